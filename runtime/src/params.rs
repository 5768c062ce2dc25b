//! Typed topic parameters: the [`TopicParams`] trait generated `{Channel}Params` structs
//! implement, and the conversions of captured values they call. The address rules themselves
//! (grammar, build, capture, value checks) live in the `mqttgen-address` crate.

use crate::{DecodeError, Error};

/// The typed parameters of a channel address (generated `{Channel}Params` structs implement
/// it): build the topic to publish to, parse a received topic back, subscription filters.
///
/// The runtime captures the parameters of a received message itself from the route's
/// address, so generated code hands it no level counts or route strings.
pub trait TopicParams: Sized + Send + 'static {
    /// The address template as written in the spec.
    const ADDRESS: &'static str;
    /// The subscription filter matching every topic of this channel (`+` for each level holding
    /// a parameter, `#` for a trailing `#`).
    const FILTER: &'static str;

    /// Builds the topic to publish to. Fails, naming the parameter, when a value is empty,
    /// contains `/`, `+`, `#` or NUL, starts with `$`, contains the text separating it from the
    /// next parameter of its level, or is outside the parameter's range (nothing is published
    /// then).
    fn topic(&self) -> Result<String, Error>;

    /// The parameters from the values captured from a topic, one per parameter, anonymous `+`
    /// and trailing `#` of [`TopicParams::ADDRESS`], in address order.
    fn from_values(values: &[&str]) -> Result<Self, DecodeError>;

    /// Parses a received topic back into its parameters. Fails when the topic does not match
    /// the address or a value does not have the parameter's type.
    fn parse(topic: &str) -> Result<Self, DecodeError> {
        let values = mqttgen_address::capture_all(Self::ADDRESS, topic).map_err(|mismatch| {
            DecodeError::new(
                "topic",
                format!(
                    "`{}` does not match the address `{}`",
                    mismatch.topic, mismatch.address
                ),
            )
        })?;
        Self::from_values(&values)
    }

    /// The shared-subscription filter `$share/{group}/FILTER`: each message goes to one member
    /// of the group. Fails when `group` is not a valid topic level.
    fn shared_filter(group: &str) -> Result<String, Error> {
        Ok(mqttgen_address::rules::checked_shared_filter(
            group,
            Self::FILTER,
        )?)
    }
}

/// Builds the topic of `address` from `values` (see [`mqttgen_address::build`]).
pub fn build(address: &str, values: &[&str]) -> Result<String, Error> {
    Ok(mqttgen_address::build(address, values)?)
}

/// Converts the captured value `raw` of parameter `name` with [`std::str::FromStr`]; the error
/// names the parameter, the value and what was `expected` (e.g. `an integer`).
pub fn parse_value<T: std::str::FromStr>(
    name: &str,
    raw: &str,
    expected: &str,
) -> Result<T, DecodeError> {
    raw.parse().map_err(|_| invalid_value(name, raw, expected))
}

/// Checks that the integer `value` of parameter `name` lies in `min..=max` (either end open);
/// generated `topic()` functions call it for parameters with a `minimum`/`maximum` their Rust
/// type does not already enforce.
pub fn check_range(
    name: &str,
    value: i128,
    min: Option<i128>,
    max: Option<i128>,
) -> Result<(), Error> {
    if min.is_some_and(|min| value < min) || max.is_some_and(|max| value > max) {
        return Err(Error::InvalidTopic {
            topic: format!("{{{name}}} = `{value}`"),
            reason: match (min, max) {
                (Some(_), Some(_)) => "the value is outside the parameter's `minimum`..`maximum`",
                (Some(_), None) => "the value is below the parameter's `minimum`",
                _ => "the value is above the parameter's `maximum`",
            },
        });
    }
    Ok(())
}

/// [`parse_value`] for an integer parameter that must also lie in `min..=max`.
pub fn parse_in_range<T>(
    name: &str,
    raw: &str,
    min: Option<i128>,
    max: Option<i128>,
    expected: &str,
) -> Result<T, DecodeError>
where
    T: std::str::FromStr + Copy + Into<i128>,
{
    let value: T = parse_value(name, raw, expected)?;
    let wide: i128 = value.into();
    if min.is_some_and(|min| wide < min) || max.is_some_and(|max| wide > max) {
        return Err(invalid_value(name, raw, expected));
    }
    Ok(value)
}

/// The error for a value `raw` of parameter `name` that is not what was `expected` (e.g. `one of
/// `north`, `south``); generated parameter enums return it from `FromStr`.
pub fn invalid_value(name: &str, raw: &str, expected: &str) -> DecodeError {
    DecodeError::new(
        "topic parameter",
        format!("`{name}` = `{raw}`: expected {expected}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Plant {
        site: String,
        machine: u32,
    }

    impl TopicParams for Plant {
        const ADDRESS: &'static str = "plant/{site}/line/{machine}/state";
        const FILTER: &'static str = "plant/+/line/+/state";
        fn topic(&self) -> Result<String, Error> {
            build(Self::ADDRESS, &[&self.site, &self.machine.to_string()])
        }
        fn from_values(values: &[&str]) -> Result<Self, DecodeError> {
            Ok(Plant {
                site: values[0].to_owned(),
                machine: parse_value("machine", values[1], "an integer")?,
            })
        }
    }

    #[test]
    fn params_round_trip_through_the_trait() {
        let plant = Plant {
            site: "north".into(),
            machine: 7,
        };
        let topic = plant.topic().unwrap();
        assert_eq!(topic, "plant/north/line/7/state");
        assert_eq!(Plant::parse(&topic).unwrap(), plant);
        let error = Plant::parse("plant/north/line/x/state")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`machine` = `x`: expected an integer"),
            "{error}"
        );
        let error = Plant::parse("plant/\0/line/m/x\n").unwrap_err().to_string();
        assert!(!error.chars().any(char::is_control), "{error:?}");
        assert!(error.contains("does not match"), "{error}");
        assert_eq!(
            Plant::shared_filter("g").unwrap(),
            "$share/g/plant/+/line/+/state"
        );
        assert!(Plant::shared_filter("a/b").is_err());
    }

    #[test]
    fn parses_typed_values_with_a_clear_error() {
        assert_eq!(parse_value::<i64>("n", "42", "an integer").unwrap(), 42);
        let error = parse_value::<i64>("n", "4x", "an integer")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`n` = `4x`: expected an integer"), "{error}");
    }

    #[test]
    fn integers_are_range_checked_both_ways() {
        assert!(check_range("unit", 5, Some(1), Some(200)).is_ok());
        let error = check_range("unit", 0, Some(1), Some(200))
            .unwrap_err()
            .to_string();
        assert!(error.contains("{unit} = `0`"), "{error}");
        assert!(check_range("unit", 201, Some(1), None).is_ok());
        assert!(check_range("unit", 201, None, Some(200)).is_err());
        let expected = "an integer from 1 to 200";
        assert_eq!(
            parse_in_range::<u8>("unit", "7", Some(1), Some(200), expected).unwrap(),
            7
        );
        for raw in ["0", "201", "-1", "x"] {
            let error = parse_in_range::<u8>("unit", raw, Some(1), Some(200), expected)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains(&format!("`unit` = `{raw}`: expected {expected}")),
                "{error}"
            );
        }
    }
}
