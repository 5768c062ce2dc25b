//! Shared helpers for the end-to-end tests (corpus location, mosquitto processes).
