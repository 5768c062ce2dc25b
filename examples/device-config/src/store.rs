//! The business logic: an in-memory configuration store answering the generated handler trait.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::app::types::{Config, ConfigMode, GetConfigPayload, SetConfigHeaders};
use crate::app::{ConfigGetParams, ConfigSetParams, Handler, MessageContext};
use mqttgen::HandlerError;

/// The label every device's configuration carries with its own id.
pub const DEVICE_LABEL: &str = "device";

/// Device configurations, shared by clones. Only known devices are answered: a request for an
/// unknown device gets no reply (the requester sees a timeout), `setConfig` registers a device.
#[derive(Clone, Debug, Default)]
pub struct ConfigStore {
    devices: Arc<Mutex<BTreeMap<String, Config>>>,
}

impl ConfigStore {
    /// A store knowing `ids`, each with [`default_config`].
    pub fn with_devices<I, S>(ids: I) -> ConfigStore
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let store = ConfigStore::default();
        {
            let mut devices = store.devices();
            for id in ids {
                let id = id.into();
                devices.insert(id.clone(), default_config(&id));
            }
        }
        store
    }

    /// The configuration of `device_id`, if the device is known.
    pub fn get(&self, device_id: &str) -> Option<Config> {
        self.devices().get(device_id).cloned()
    }

    /// How many devices are known.
    pub fn len(&self) -> usize {
        self.devices().len()
    }

    /// True when no device is known.
    pub fn is_empty(&self) -> bool {
        self.devices().is_empty()
    }

    fn devices(&self) -> MutexGuard<'_, BTreeMap<String, Config>> {
        self.devices.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A new device's configuration: every 60 s, normal mode, labelled with its id.
pub fn default_config(device_id: &str) -> Config {
    Config {
        report_interval_seconds: NonZeroU32::new(60).expect("60 is not zero"),
        mode: ConfigMode::Normal,
        labels: BTreeMap::from([(DEVICE_LABEL.to_owned(), device_id.to_owned())]),
    }
}

impl Handler for ConfigStore {
    async fn get_config(
        &self,
        params: ConfigGetParams,
        message: GetConfigPayload,
        _context: MessageContext<()>,
    ) -> Result<Config, HandlerError> {
        let mut config = self.get(&params.device_id).ok_or_else(|| {
            HandlerError::failed(format!("unknown device `{}`", params.device_id))
        })?;
        if !message.keys.is_empty() {
            config.labels.retain(|key, _| message.keys.contains(key));
        }
        Ok(config)
    }

    async fn set_config(
        &self,
        params: ConfigSetParams,
        mut message: Config,
        _context: MessageContext<SetConfigHeaders>,
    ) -> Result<Config, HandlerError> {
        message
            .labels
            .insert(DEVICE_LABEL.to_owned(), params.device_id.clone());
        self.devices().insert(params.device_id, message.clone());
        Ok(message)
    }
}
