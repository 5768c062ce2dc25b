//! What the generation and diff benchmarks share: the synthetic spec and the CPU clock.

use std::time::Duration;

/// A spec with `channels` channels: two parameters (one an enum), a payload with a nested object,
/// an enum and a date-time, headers, and alternating send/receive operations with MQTT bindings.
pub fn synthetic_spec(channels: usize) -> String {
    let mut text = String::with_capacity(channels * 900);
    text.push_str("asyncapi: 3.0.0\ninfo:\n  title: Synthetic plant\n  version: 1.0.0\n");
    text.push_str("defaultContentType: application/json\n");
    text.push_str("servers:\n  plant:\n    host: 'broker.local:1883'\n    protocol: mqtt\n    protocolVersion: '5.0'\n");
    text.push_str("channels:\n");
    for i in 0..channels {
        text.push_str(&format!(
            "  line{i}:\n    address: 'plant/{{site}}/line{i}/{{machineId}}/state'\n    parameters:\n      site: {{enum: [north, south]}}\n      machineId: {{description: machine}}\n    messages:\n      state{i}: {{$ref: '#/components/messages/State{i}'}}\n"
        ));
    }
    text.push_str("operations:\n");
    for i in 0..channels {
        let action = if i % 2 == 0 { "receive" } else { "send" };
        text.push_str(&format!(
            "  {action}Line{i}:\n    action: {action}\n    channel: {{$ref: '#/channels/line{i}'}}\n    messages: [{{$ref: '#/channels/line{i}/messages/state{i}'}}]\n    bindings: {{mqtt: {{qos: 1, bindingVersion: 0.2.0}}}}\n"
        ));
    }
    text.push_str("components:\n  messages:\n");
    for i in 0..channels {
        text.push_str(&format!(
            "    State{i}:\n      name: state{i}\n      headers: {{type: object, properties: {{traceId: {{type: string}}}}}}\n      payload: {{$ref: '#/components/schemas/State{i}'}}\n"
        ));
    }
    text.push_str("  schemas:\n");
    for i in 0..channels {
        text.push_str(&format!(
            "    State{i}:\n      type: object\n      required: [mode, at]\n      properties:\n        mode: {{type: string, enum: [idle, running, fault]}}\n        at: {{type: string, format: date-time}}\n        rpm: {{type: integer, minimum: 0, maximum: 20000}}\n        position: {{type: object, properties: {{x: {{type: number}}, y: {{type: number}}}}}}\n"
        ));
    }
    text
}

/// CPU time of the whole process so far (all threads; Linux `/proc/self/stat`, clock ticks of
/// 10 ms), `None` elsewhere.
#[allow(dead_code)] // not every bench or test that includes this module reads CPU time
pub fn process_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}
