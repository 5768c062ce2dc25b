//! `info.version` against the largest change: the semver bump the generated crate needs.
//!
//! Wire- and API-breaking changes need a major bump, compatible ones a minor bump, docs-only ones a
//! patch. Below 1.0.0 Cargo treats the minor number as the major one (`0.3.1` → `0.4.0` breaks), so
//! the suggestion follows Cargo.

use super::Class;

/// A semver bump.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// No change of version.
    None,
    /// `x.y.z` → `x.y.(z+1)`.
    Patch,
    /// `x.y.z` → `x.(y+1).0` (for `0.y.z`: `0.y.(z+1)`).
    Minor,
    /// `x.y.z` → `(x+1).0.0` (for `0.y.z`: `0.(y+1).0`).
    Major,
}

impl Bump {
    /// `none`, `patch`, `minor`, `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// The bump a change of this class needs (`None`: nothing changed).
    pub fn needed_for(largest: Option<Class>) -> Bump {
        match largest {
            None => Bump::None,
            Some(Class::DocsOnly) => Bump::Patch,
            Some(Class::Compatible) => Bump::Minor,
            Some(Class::ApiBreaking | Class::WireBreaking) => Bump::Major,
        }
    }
}

/// `info.version` judged against the changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// OLD's `info.version`.
    pub old: String,
    /// NEW's `info.version`.
    pub new: String,
    /// The bump the changes need.
    pub needed: Option<Bump>,
    /// The bump OLD → NEW made, when both versions parse as `x.y.z`.
    pub made: Option<Bump>,
    /// The smallest version that would do, from OLD (when OLD parses and a bump is needed).
    pub suggested: Option<String>,
    /// False when NEW's version is lower than the changes need (or does not parse).
    pub sufficient: bool,
}

/// Parses `x.y.z` leniently: an optional `v`, missing parts are 0, pre-release/build ignored.
pub fn parse(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.trim().trim_start_matches(['v', 'V']);
    let core = core.split(['-', '+']).next()?;
    let mut parts = core.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

/// The bump from `old` to `new` in Cargo's terms (`None` also when `new` is not higher).
fn made(old: (u64, u64, u64), new: (u64, u64, u64)) -> Bump {
    if new <= old {
        return Bump::None;
    }
    if old.0 == 0 && new.0 == 0 {
        return if new.1 != old.1 {
            Bump::Major
        } else {
            Bump::Minor
        };
    }
    if new.0 != old.0 {
        Bump::Major
    } else if new.1 != old.1 {
        Bump::Minor
    } else {
        Bump::Patch
    }
}

/// The next version after `old` for `bump`, in Cargo's terms.
pub fn bumped(old: (u64, u64, u64), bump: Bump) -> (u64, u64, u64) {
    let (x, y, z) = old;
    match (bump, x) {
        (Bump::None, _) => old,
        (Bump::Patch, _) => (x, y, z + 1),
        (Bump::Minor, 0) => (0, y, z + 1),
        (Bump::Minor, _) => (x, y + 1, 0),
        (Bump::Major, 0) => (0, y + 1, 0),
        (Bump::Major, _) => (x + 1, 0, 0),
    }
}

/// Judges `info.version` OLD → NEW against the largest change.
pub fn verdict(old: &str, new: &str, largest: Option<Class>) -> Verdict {
    let needed = Bump::needed_for(largest);
    let (old_v, new_v) = (parse(old), parse(new));
    let made = old_v.zip(new_v).map(|(o, n)| made(o, n));
    let suggested = old_v
        .filter(|_| needed != Bump::None)
        .map(|o| bumped(o, needed))
        .map(|(x, y, z)| format!("{x}.{y}.{z}"));
    let sufficient = match (needed, made) {
        (Bump::None, _) => true,
        (_, Some(made)) => made >= needed,
        (_, None) => false,
    };
    Verdict {
        old: old.to_string(),
        new: new.to_string(),
        needed: Some(needed),
        made,
        suggested,
        sufficient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_judged_in_cargo_terms() {
        let v = verdict("1.2.3", "1.2.4", Some(Class::WireBreaking));
        assert!(!v.sufficient);
        assert_eq!(v.suggested.as_deref(), Some("2.0.0"));
        let v = verdict("1.2.3", "1.3.0", Some(Class::Compatible));
        assert!(v.sufficient);
        assert_eq!(v.suggested.as_deref(), Some("1.3.0"));
        let v = verdict("0.3.1", "0.4.0", Some(Class::ApiBreaking));
        assert!(v.sufficient);
        let v = verdict("0.3.1", "0.3.2", Some(Class::ApiBreaking));
        assert!(!v.sufficient);
        assert_eq!(v.suggested.as_deref(), Some("0.4.0"));
        let v = verdict("1.0.0", "1.0.0", None);
        assert!(v.sufficient);
        assert_eq!(v.suggested, None);
        assert_eq!(parse("v2.1"), Some((2, 1, 0)));
        assert_eq!(parse("latest"), None);
    }
}
