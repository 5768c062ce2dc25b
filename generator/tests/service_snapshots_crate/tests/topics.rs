//! Generated topic code: building topics (with injection rejected), subscription filters, and
//! parsing received topics back into typed parameters.

use mqttgen::TopicParams;
use mqttgen_service_snapshots::request_reply::app::{
    ReadingsParams, SetpointRequestsParams, Zone, HEARTBEAT_TOPIC,
};
use mqttgen_service_snapshots::streetlights_v3::app::LightingMeasuredParams;
use mqttgen_service_snapshots::topic_params::app::{
    Door, DoorsLockedParams, FleetLogsParams, FleetOnlineParams, FleetSpeedParams,
};

fn light(id: &str) -> LightingMeasuredParams {
    LightingMeasuredParams {
        streetlight_id: id.to_string(),
    }
}

#[test]
fn builds_topics_from_typed_parameters() {
    assert_eq!(
        light("lamp-7").topic().unwrap(),
        "smartylighting/streetlights/1/0/event/lamp-7/lighting/measured"
    );
    let params = SetpointRequestsParams {
        thermostat_id: "t1".into(),
        zone: Zone::Sleeping,
    };
    assert_eq!(
        params.topic().unwrap(),
        "thermostats/t1/zones/sleeping/setpoint"
    );
    let speed = FleetSpeedParams {
        vehicle_id: 42,
        major: 2,
        minor: 10,
        level_3: "gps".into(),
    };
    assert_eq!(speed.topic().unwrap(), "fleet/42/v2.10/gps/speed");
    let doors = DoorsLockedParams {
        vehicle_id: -1,
        door: Door::FrontLeft,
    };
    assert_eq!(doors.topic().unwrap(), "fleet/-1/doors/front-left/locked");
    let online = FleetOnlineParams {
        vehicle_id: 3,
        flag: true,
    };
    assert_eq!(online.topic().unwrap(), "fleet/3/online/true");
    assert_eq!(HEARTBEAT_TOPIC, "thermostats/heartbeat");
}

#[test]
fn rejects_values_that_would_change_the_topic() {
    for bad in ["a/b", "+", "#", "x\0y", "", "$SYS", "a+b", "tail#"] {
        let error = light(bad).topic().unwrap_err();
        assert!(
            error.to_string().contains("streetlightId"),
            "{bad:?}: the error names the parameter: {error}"
        );
    }
    let anonymous = FleetSpeedParams {
        vehicle_id: 1,
        major: 1,
        minor: 0,
        level_3: "a/b".into(),
    };
    assert!(
        anonymous.topic().is_err(),
        "anonymous `+` values are checked too"
    );
}

#[test]
fn filters_use_plus_per_parameter_and_share_prefix() {
    assert_eq!(
        LightingMeasuredParams::FILTER,
        "smartylighting/streetlights/1/0/event/+/lighting/measured"
    );
    assert_eq!(FleetSpeedParams::FILTER, "fleet/+/+/+/speed");
    assert_eq!(ReadingsParams::FILTER, "thermostats/+/readings/+/+/#");
    assert_eq!(
        SetpointRequestsParams::shared_filter("pool-a").unwrap(),
        "$share/pool-a/thermostats/+/zones/+/setpoint"
    );
    assert!(SetpointRequestsParams::shared_filter("a/b").is_err());
    assert!(SetpointRequestsParams::shared_filter("").is_err());
}

#[test]
fn parses_received_topics_into_typed_parameters() {
    assert_eq!(
        LightingMeasuredParams::parse(
            "smartylighting/streetlights/1/0/event/lamp-7/lighting/measured"
        )
        .unwrap(),
        light("lamp-7")
    );
    let speed: FleetSpeedParams = "fleet/42/v2.10/gps/speed".parse().unwrap();
    assert_eq!(
        speed,
        FleetSpeedParams {
            vehicle_id: 42,
            major: 2,
            minor: 10,
            level_3: "gps".into()
        }
    );
    let doors = DoorsLockedParams::parse("fleet/9/doors/rear/locked").unwrap();
    assert_eq!(doors.door, Door::Rear);
    assert!(FleetOnlineParams::parse("fleet/9/online/false").is_ok_and(|p| !p.flag));
    let readings = ReadingsParams::parse("thermostats/t1/readings/5/probe/a/b").unwrap();
    assert_eq!(readings.level_4, "probe");
    assert_eq!(readings.tail, "a/b");
    let logs = FleetLogsParams::parse("fleet/logs").unwrap();
    assert_eq!(logs.tail, "", "`#` also matches the parent level");
    assert_eq!(logs.topic().unwrap(), "fleet/logs");
    let logs = FleetLogsParams::parse("fleet/logs/engine/errors").unwrap();
    assert_eq!(logs.topic().unwrap(), "fleet/logs/engine/errors");
}

#[test]
fn rejects_topics_that_do_not_match_or_do_not_type_check() {
    let error = DoorsLockedParams::parse("fleet/abc/doors/rear/locked").unwrap_err();
    assert!(error.to_string().contains("vehicleId"), "{error}");
    assert!(error.to_string().contains("integer"), "{error}");
    let error = DoorsLockedParams::parse("fleet/1/doors/trunk/locked").unwrap_err();
    assert!(error.to_string().contains("front-left"), "{error}");
    assert!(FleetOnlineParams::parse("fleet/1/online/maybe").is_err());
    assert!(
        FleetSpeedParams::parse("fleet/1/v2/gps/speed").is_err(),
        "mixed level without `.`"
    );
    assert!(FleetSpeedParams::parse("fleet/1/v2.x/gps/speed").is_err());
    assert!(
        LightingMeasuredParams::parse("smartylighting/streetlights/1/0/event/x/lighting").is_err()
    );
    assert!(LightingMeasuredParams::parse(
        "smartylighting/streetlights/1/0/event/x/lighting/measured/more"
    )
    .is_err());
    assert!(LightingMeasuredParams::parse("other/topic").is_err());
}

#[test]
fn enums_round_trip_their_spec_values() {
    for zone in Zone::ALL {
        assert_eq!(zone.as_str().parse::<Zone>().unwrap(), *zone);
        assert_eq!(zone.to_string(), zone.as_str());
    }
    assert_eq!(Zone::default(), Zone::Living, "the spec's default");
}

#[test]
fn parameters_named_like_prelude_items_do_not_shadow_them() {
    use mqttgen_service_snapshots::edge_cases::app::{Option2, PreludeParams, Result2};
    let params = PreludeParams {
        result: Result2::Failed,
        option: Option2::None,
        string: "s1".into(),
    };
    let topic = params.topic().unwrap();
    assert_eq!(topic, "prelude/failed/none/s1");
    assert_eq!(PreludeParams::parse(&topic).unwrap(), params);
}
