//! `mqttgen docs` in a real browser (issue #19): the example specs' pages open in headless
//! Chromium with their script running and no console message, show every channel address,
//! operation id and message name, and link only to items that exist; a hostile spec's markup,
//! scripts, event handlers and `javascript:` links stay text. One Chromium start per page (DOM and
//! screenshot together). Without Chromium the tests say so and skip; under `CI=true` they fail.
//!
//! `MQTTGEN_UPDATE=1` also copies the streetlights screenshot to `docs/docs-streetlights.png`
//! (shown in the README).

mod docs_support;

use std::collections::BTreeSet;
use std::path::Path;

use docs_support::{chromium, inert_problems, load, open, root, Dom};
use mqttgen_codegen::docs::render;

/// Renders `spec`, opens it in Chromium and returns the document, the DOM and the screenshot.
fn render_and_open(
    chromium: &Path,
    spec: &Path,
    dir: &Path,
) -> (mqttgen_codegen::spec::model::Document, Dom, Vec<u8>) {
    let doc = load(spec, &root().join("specs"));
    let site = render(&doc).expect("render");
    site.write_to(dir).expect("write site");
    let screenshot = dir.join("screenshot.png");
    let run = open(chromium, &dir.join("index.html"), &screenshot);
    assert!(
        run.console.is_empty(),
        "{}: console messages: {:#?}",
        spec.display(),
        run.console
    );
    let png = std::fs::read(&screenshot).expect("screenshot written");
    (doc, Dom::parse(&run.dom), png)
}

#[test]
fn example_specs_show_every_item_in_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let specs = [
        "specs/streetlights.yaml",
        "specs/fleet/asyncapi.yaml",
        "specs/device-config.yaml",
    ];
    // The three pages open in parallel (one Chromium each), then are checked in order.
    let dirs: Vec<_> = specs.iter().map(|_| tempfile::tempdir().unwrap()).collect();
    let runs: Vec<_> = std::thread::scope(|scope| {
        let threads: Vec<_> = specs
            .iter()
            .zip(&dirs)
            .map(|(spec, dir)| {
                let chromium = &chromium;
                scope.spawn(move || render_and_open(chromium, &root().join(spec), dir.path()))
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for (spec, (doc, dom, png)) in specs.into_iter().zip(runs) {
        assert_eq!(
            dom.attribute("body", "data-js"),
            Some("ok"),
            "{spec}: the page script did not finish"
        );
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 20_000,
            "{spec}: screenshot"
        );
        let ids: BTreeSet<&str> = dom
            .elements
            .iter()
            .flat_map(|e| &e.attributes)
            .filter(|(name, _)| name == "id")
            .map(|(_, value)| value.as_str())
            .collect();
        for channel in &doc.channels {
            let address = channel.address.as_ref().expect("address").raw.as_str();
            assert!(dom.text.contains(address), "{spec}: address {address}");
            assert!(
                dom.text.contains(&channel.id),
                "{spec}: channel {}",
                channel.id
            );
        }
        for operation in &doc.operations {
            assert!(
                dom.text.contains(&operation.id),
                "{spec}: operation {}",
                operation.id
            );
        }
        for message in &doc.messages {
            assert!(
                dom.text.contains(&message.name),
                "{spec}: message {}",
                message.name
            );
        }
        // Every in-page link has a target: deep links for every item, none dangling.
        let mut anchors = 0;
        for element in &dom.elements {
            for (name, value) in &element.attributes {
                if let Some(target) = value.strip_prefix('#').filter(|_| name == "href") {
                    anchors += 1;
                    assert!(ids.contains(target), "{spec}: link to missing #{target}");
                }
            }
        }
        assert!(anchors >= doc.channels.len() + doc.operations.len() + doc.messages.len());
        assert_eq!(inert_problems(&dom), Vec::<String>::new(), "{spec}");
        // The generated Rust names sit next to the items.
        assert!(
            dom.text.contains("Handler::") && dom.text.contains("Publisher::"),
            "{spec}"
        );
        assert!(dom.text.contains("types::"), "{spec}");
        if spec.contains("streetlights") {
            assert!(dom.text.contains("Handler::receive_light_measured"));
            assert!(dom.text.contains("Publisher::send_light_command_with"));
            assert!(dom.text.contains("SendLightCommandMessage"));
            assert!(dom.text.contains("QoS 1 (at least once)"));
            if std::env::var_os("MQTTGEN_UPDATE").is_some() {
                std::fs::write(root().join("docs/docs-streetlights.png"), &png).unwrap();
            }
        }
    }
}

#[test]
fn request_reply_pairs_show_reply_address_and_correlation_id() {
    let doc = load(
        &root().join("specs/device-config.yaml"),
        &root().join("specs"),
    );
    let html = render(&doc)
        .unwrap()
        .file("index.html")
        .unwrap()
        .to_string();
    let dom = Dom::parse(&html);
    let replies: Vec<_> = doc
        .operations
        .iter()
        .filter(|op| op.reply.is_some())
        .collect();
    assert!(
        !replies.is_empty(),
        "device-config has request/reply operations"
    );
    for operation in replies {
        let reply = operation.reply.as_ref().unwrap();
        if let Some(location) = &reply.address_location {
            assert!(
                dom.text.contains(location.as_str()),
                "reply address {location}"
            );
        }
        if let Some(channel) = reply.channel {
            let channel = &doc.channels[channel];
            if let Some(address) = &channel.address {
                assert!(
                    dom.text.contains(&address.raw),
                    "reply channel {}",
                    address.raw
                );
            }
        }
        for &message in &reply.messages {
            if let Some(correlation) = &doc.messages[message].correlation_id {
                assert!(
                    dom.text.contains(correlation.as_str()),
                    "correlation {correlation}"
                );
            }
        }
    }
    assert!(dom.text.contains("Reply"));
}

#[test]
fn hostile_spec_markup_stays_inert_in_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let spec = root().join("specs/hostile/docs-markup.yaml");
    let (_, dom, _) = render_and_open(&chromium, &spec, dir.path());
    assert_eq!(dom.attribute("body", "data-js"), Some("ok"));
    assert_eq!(
        dom.attribute("body", "data-pwned"),
        None,
        "a spec script or handler ran"
    );
    assert_eq!(inert_problems(&dom), Vec::<String>::new());
    // Shown as text, not dropped: the reader sees what the spec says.
    for shown in [
        "Hostile <script>document.title='pwned-title'</script> docs",
        "<img src=x onerror=\"document.body.setAttribute('data-pwned','inline')\">",
        "<script>alert('param')</script>",
        "</pre><script>document.body.setAttribute('data-pwned','example')</script>",
        "\" onmouseover=\"alert(1)",
        "a Markdown javascript link",
    ] {
        assert!(dom.text.contains(shown), "not shown as text: {shown}");
    }
    // The safe links survive; refused ones keep their text only.
    let hrefs: Vec<&str> = dom
        .elements
        .iter()
        .flat_map(|e| &e.attributes)
        .filter(|(name, _)| name == "href")
        .map(|(_, value)| value.as_str())
        .collect();
    assert!(hrefs.contains(&"https://example.invalid/docs"));
    assert!(hrefs.contains(&"#operation-sendHostile"));
    assert!(!hrefs
        .iter()
        .any(|h| h.to_ascii_lowercase().contains("javascript")));
}
