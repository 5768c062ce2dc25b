//! The committed `asyncapi.yaml` is what the code exports (run with `MQTTGEN_UPDATE=1` to
//! refresh it after changing the service).

#[test]
fn committed_document_matches_the_code() {
    let doc = code_first_example::service().document().unwrap();
    mqttgen::asyncapi::assert_matches_file(&doc, "asyncapi.yaml");
}

#[test]
fn export_is_byte_stable() {
    let a = code_first_example::service()
        .document()
        .unwrap()
        .to_yaml()
        .unwrap();
    let b = code_first_example::service()
        .document()
        .unwrap()
        .to_yaml()
        .unwrap();
    assert_eq!(a, b);
}
