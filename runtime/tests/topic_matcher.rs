//! The topic trie and validators against the MQTT 5 spec rules (§4.7).

use mqttgen::topic::{self, TopicMatcher};

fn hits(filters: &[&str], topic_name: &str) -> Vec<String> {
    let mut m = TopicMatcher::new();
    for f in filters {
        m.insert(f, f.to_string()).unwrap();
    }
    let mut out: Vec<String> = m.matches(topic_name).into_iter().cloned().collect();
    out.sort();
    // The one-off matcher must agree with the trie.
    let mut single: Vec<String> = filters
        .iter()
        .filter(|f| topic::matches(f, topic_name))
        .map(|f| f.to_string())
        .collect();
    single.sort();
    assert_eq!(out, single, "trie and matches() disagree on {topic_name}");
    out
}

#[test]
fn multi_level_wildcard() {
    let f = ["sport/tennis/player1/#"];
    assert_eq!(hits(&f, "sport/tennis/player1"), f);
    assert_eq!(hits(&f, "sport/tennis/player1/ranking"), f);
    assert_eq!(hits(&f, "sport/tennis/player1/score/wimbledon"), f);
    assert!(hits(&f, "sport/tennis/player2").is_empty());
    assert_eq!(hits(&["sport/#"], "sport"), ["sport/#"]);
    assert_eq!(hits(&["#"], "a/b/c"), ["#"]);
    assert_eq!(hits(&["#"], "/"), ["#"]);
}

#[test]
fn single_level_wildcard() {
    let f = ["sport/tennis/+"];
    assert_eq!(hits(&f, "sport/tennis/player1"), f);
    assert!(hits(&f, "sport/tennis/player1/ranking").is_empty());
    assert!(hits(&["sport/+"], "sport").is_empty());
    assert_eq!(hits(&["sport/+"], "sport/"), ["sport/+"]);
    assert_eq!(hits(&["+/+"], "/finance"), ["+/+"]);
    assert_eq!(hits(&["/+"], "/finance"), ["/+"]);
    assert!(hits(&["+"], "/finance").is_empty());
    assert_eq!(hits(&["+/tennis/#"], "sport/tennis"), ["+/tennis/#"]);
}

#[test]
fn dollar_topics_are_not_matched_by_leading_wildcards() {
    assert!(hits(&["#"], "$SYS/broker/uptime").is_empty());
    assert!(hits(&["+/broker/uptime"], "$SYS/broker/uptime").is_empty());
    assert!(hits(&["+/#"], "$SYS/x").is_empty());
    assert_eq!(hits(&["$SYS/#"], "$SYS/broker/uptime"), ["$SYS/#"]);
    assert_eq!(
        hits(&["$SYS/+/uptime"], "$SYS/broker/uptime"),
        ["$SYS/+/uptime"]
    );
    assert_eq!(hits(&["$SYS/#"], "$SYS"), ["$SYS/#"]);
    // Only the first level is special.
    assert_eq!(hits(&["a/+"], "a/$b"), ["a/+"]);
}

#[test]
fn shared_filters_match_like_their_inner_filter() {
    let f = ["$share/g1/sensors/+/temp", "sensors/#"];
    assert_eq!(
        hits(&f, "sensors/d1/temp"),
        ["$share/g1/sensors/+/temp", "sensors/#"]
    );
    assert_eq!(topic::split_shared("$share/g/a/b"), (Some("g"), "a/b"));
    assert_eq!(topic::split_shared("a/b"), (None, "a/b"));
}

#[test]
fn many_filters_and_duplicates() {
    let mut m = TopicMatcher::new();
    for i in 0..10_000 {
        m.insert(&format!("devices/{i}/temp"), i).unwrap();
    }
    m.insert("devices/+/temp", -1).unwrap();
    m.insert("devices/+/temp", -2).unwrap();
    let mut got: Vec<i32> = m.matches("devices/42/temp").into_iter().copied().collect();
    got.sort();
    assert_eq!(got, [-2, -1, 42]);
    assert_eq!(m.len(), 10_002);
    assert!(!m.is_match("devices/42"));
}

#[test]
fn filter_validation() {
    for ok in [
        "a",
        "a/b",
        "+",
        "#",
        "a/+/b",
        "a/#",
        "/",
        "+/+",
        "$share/g/a/#",
        "$SYS/#",
    ] {
        topic::validate_filter(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in [
        "",
        "a/#/b",
        "a#",
        "a/b+",
        "#/a",
        "$share/g",
        "$share//a",
        "$share/g+/a",
        "a\0b",
    ] {
        assert!(
            topic::validate_filter(bad).is_err(),
            "{bad:?} should be rejected"
        );
    }
    assert!(topic::validate_filter(&"a".repeat(65_536)).is_err());
}

#[test]
fn topic_name_validation() {
    topic::validate_topic_name("a/b/c").unwrap();
    topic::validate_topic_name("$SYS/x").unwrap();
    for bad in ["", "a/+", "a/#", "a\0"] {
        assert!(topic::validate_topic_name(bad).is_err(), "{bad:?}");
    }
    assert!(topic::validate_topic_name(&"a".repeat(65_536)).is_err());
    topic::validate_topic_name(&"a".repeat(65_535)).unwrap();
}

#[test]
fn param_values() {
    topic::validate_param_value("id", "thermostat-1").unwrap();
    for bad in ["", "a/b", "+", "a#", "$x", "a\0"] {
        let err = topic::validate_param_value("id", bad).unwrap_err();
        assert!(err.to_string().contains("{id}"), "{err}");
    }
}

#[test]
fn templates() {
    let t = topic::parse_address("devices/{device_id}/rooms/{room}/temp").unwrap();
    assert_eq!(t.filter(), "devices/+/rooms/+/temp");
    assert_eq!(
        mqttgen_address::capture_all(&t.raw, "devices/d1/rooms/kitchen/temp").unwrap(),
        ["d1", "kitchen"]
    );
    assert_eq!(t.parameter_names(), ["device_id", "room"]);
    assert_eq!(topic::filter_of("$share/g/a/{x}").unwrap(), "$share/g/a/+");
    assert!(topic::parse_address("a/{x}/{x}").is_err());
    // Mixed levels are routed as spec-first generates them: the level is `+` in the filter.
    assert_eq!(topic::parse_address("a/x{y}").unwrap().filter(), "a/+");
    assert!(topic::parse_address("a/{x").is_err());
    assert_eq!(topic::join("a/", "/b"), "a/b");
    assert_eq!(topic::join("", "b"), "b");
}
