//! JSON Schema `pattern`s (ECMA-262, `u` flag) compiled for a linear-time engine (issue #24).
//!
//! [`classify`] translates a pattern into the syntax of the `regex` crate, whose matching time
//! is linear in the input, keeping ECMA-262 meaning:
//!
//! | ECMA-262 | `regex` | Why |
//! |---|---|---|
//! | `\d`, `\w` (and `\D`, `\W`) | `[0-9]`, `[0-9A-Za-z_]` | ASCII in ECMA-262; Unicode in `regex` |
//! | `\s` (and `\S`) | the ECMA-262 white-space and line-terminator set | `regex`'s set differs (e.g. U+FEFF, U+0085) |
//! | `\b`, `\B` | `(?-u:\b)`, `(?-u:\B)` | ASCII word boundaries |
//! | `.` | `[^\n\r\u{2028}\u{2029}]` | ECMA-262 `.` excludes every line terminator |
//! | `\uXXXX`, `\u{X..}`, surrogate pairs, `\xHH`, `\cX`, `\0`, `\v`, `\f` | `\x{..}` | other escape syntax |
//! | `\p{..}`, `\P{..}` | the same | both use Unicode property names |
//! | `(?<name>..)` | `(?P<name>..)` | |
//! | `[^]`, `[]` | any character, nothing | `regex` rejects both |
//! | `{` `}` `]` not part of a quantifier or class, identity escapes (`\/`, `\-`) | escaped | literal in ECMA-262 |
//! | literals inside classes (`[`, `&`, `~`, `-` outside ranges) | escaped | set operators in `regex` |
//!
//! Backreferences (`\1`, `\k<name>`) and lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) need a
//! backtracking engine: such patterns stay on `regress` ([`Engine::Backtracking`]), whose time
//! can grow exponentially with the input when quantifiers nest ([`Engine::Backtracking`]'s
//! `nested_quantifiers`, warned by `mqttgen check`). Whatever the engine, the generated code
//! bounds the input before matching (`maxLength`, else the `patterns::input_limit()` of
//! [`limit_module`], [`DEFAULT_INPUT_LIMIT`] unless changed at run time).

/// Which engine a pattern runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Linear time: the pattern in `regex` syntax.
    Linear(String),
    /// Backtracking (`regress`): the pattern uses `why` (e.g. "a backreference").
    Backtracking {
        /// The feature only a backtracking engine has.
        why: &'static str,
        /// A repeated group that itself holds a repetition (`(a+)+`): matching time can grow
        /// exponentially with the input.
        nested_quantifiers: bool,
    },
}

/// Chooses the engine for an ECMA-262 `pattern` and translates it (see the module docs).
pub fn classify(pattern: &str) -> Engine {
    let nested_quantifiers = has_nested_quantifiers(pattern);
    match translate(pattern) {
        Ok(rust) => match regex::Regex::new(&rust) {
            Ok(_) => Engine::Linear(rust),
            Err(_) => Engine::Backtracking {
                why: "syntax the linear-time engine does not accept",
                nested_quantifiers,
            },
        },
        Err(why) => Engine::Backtracking {
            why,
            nested_quantifiers,
        },
    }
}

/// ECMA-262 `\s`: WhiteSpace and LineTerminator.
const SPACE_ITEMS: &str = r"\t\n\x0B\x0C\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";
const DIGIT_ITEMS: &str = "0-9";
const WORD_ITEMS: &str = "0-9A-Za-z_";

/// The class items of `\d`, `\w`, `\s`, and whether the escape is negated (`\D`, ...).
fn class_escape(c: char) -> Option<(&'static str, bool)> {
    match c {
        'd' => Some((DIGIT_ITEMS, false)),
        'D' => Some((DIGIT_ITEMS, true)),
        'w' => Some((WORD_ITEMS, false)),
        'W' => Some((WORD_ITEMS, true)),
        's' => Some((SPACE_ITEMS, false)),
        'S' => Some((SPACE_ITEMS, true)),
        _ => None,
    }
}

fn literal(c: char) -> String {
    if c.is_ascii_alphanumeric() || c == '_' || (!c.is_ascii() && !c.is_control()) {
        c.to_string()
    } else {
        format!("\\x{{{:X}}}", c as u32)
    }
}

struct Reader {
    chars: Vec<char>,
    at: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }
    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }
    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.at += usize::from(c.is_some());
        c
    }
    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }
    fn hex(&mut self, digits: usize) -> Option<u32> {
        let text: String = (0..digits).filter_map(|i| self.peek_at(i)).collect();
        if text.len() != digits || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.at += digits;
        u32::from_str_radix(&text, 16).ok()
    }
    /// `{n}`, `{n,}` or `{n,m}` at the reader, as text, without consuming it.
    /// The `max` is `None` when unbounded; a fixed count (`{n}`) gives `max == min`.
    fn quantifier_braces(&self) -> Option<(String, u64, Option<u64>)> {
        if self.peek() != Some('{') {
            return None;
        }
        let mut text = String::from("{");
        let mut i = 1;
        let mut parts = vec![String::new()];
        loop {
            let c = self.peek_at(i)?;
            i += 1;
            text.push(c);
            match c {
                '0'..='9' => parts.last_mut()?.push(c),
                ',' if parts.len() == 1 => parts.push(String::new()),
                '}' => break,
                _ => return None,
            }
        }
        if parts[0].is_empty() {
            return None;
        }
        let min = parts[0].parse().ok()?;
        let max = match parts.as_slice() {
            [_] => Some(min),
            [_, m] if m.is_empty() => None,
            [_, m] => Some(m.parse().ok()?),
            _ => return None,
        };
        Some((text, min, max))
    }
}

/// A code point from `\u` escapes (a surrogate pair is one code point); `Err` for a lone
/// surrogate, which no Rust string holds.
fn unicode_escape(reader: &mut Reader) -> Result<char, &'static str> {
    const BAD: &str = "an escape that is not a Unicode scalar value";
    if reader.peek() == Some('{') {
        reader.next();
        let mut text = String::new();
        while let Some(c) = reader.next() {
            if c == '}' {
                break;
            }
            text.push(c);
        }
        return u32::from_str_radix(&text, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or(BAD);
    }
    let high = reader.hex(4).ok_or(BAD)?;
    if (0xD800..0xDC00).contains(&high) && reader.starts_with("\\u") {
        let save = reader.at;
        reader.at += 2;
        match reader.hex(4) {
            Some(low) if (0xDC00..0xE000).contains(&low) => {
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                return char::from_u32(code).ok_or(BAD);
            }
            _ => reader.at = save,
        }
    }
    char::from_u32(high).ok_or(BAD)
}

/// One escaped character (after the `\`) that stands for a single character, or `None` when
/// the escape is something else.
fn character_escape(reader: &mut Reader, c: char) -> Result<Option<char>, &'static str> {
    Ok(Some(match c {
        'f' => '\x0C',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0B',
        '0' if !reader.peek().is_some_and(|d| d.is_ascii_digit()) => '\0',
        'x' => match reader.hex(2) {
            Some(code) => char::from_u32(code).ok_or("an invalid escape")?,
            None => 'x',
        },
        'u' => unicode_escape(reader)?,
        'c' => match reader.peek() {
            Some(letter) if letter.is_ascii_alphabetic() => {
                reader.next();
                char::from_u32(letter as u32 % 32).ok_or("an invalid escape")?
            }
            _ => return Err("a `\\c` escape without a letter"),
        },
        '1'..='9' => return Err("a backreference"),
        'k' if reader.peek() == Some('<') => return Err("a named backreference"),
        'p' | 'P' | 'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'b' | 'B' => return Ok(None),
        other => other,
    }))
}

/// `\p{..}` / `\P{..}` after the `p`/`P`, copied.
fn property(reader: &mut Reader, c: char) -> Result<String, &'static str> {
    if reader.next() != Some('{') {
        return Err("a `\\p` escape without braces");
    }
    let mut name = String::new();
    loop {
        match reader.next() {
            Some('}') => break,
            Some(ch) if ch.is_ascii_alphanumeric() || ch == '_' || ch == '=' => name.push(ch),
            _ => return Err("an unusual Unicode property escape"),
        }
    }
    Ok(format!("\\{c}{{{name}}}"))
}

/// One class atom: a single character, or a class escape's items (`\d`).
enum Atom {
    Char(char),
    Items(String),
}

fn class_atom(reader: &mut Reader) -> Result<Atom, &'static str> {
    let c = reader.next().ok_or("an unclosed character class")?;
    if c != '\\' {
        return Ok(Atom::Char(c));
    }
    let e = reader.next().ok_or("a trailing backslash")?;
    if let Some((items, negated)) = class_escape(e) {
        return Ok(Atom::Items(if negated {
            format!("[^{items}]")
        } else {
            items.to_string()
        }));
    }
    match e {
        'p' | 'P' => Ok(Atom::Items(property(reader, e)?)),
        'b' => Ok(Atom::Char('\x08')),
        'B' => Err("`\\B` inside a class"),
        '-' => Ok(Atom::Char('-')),
        _ => Ok(Atom::Char(character_escape(reader, e)?.unwrap_or(e))),
    }
}

/// A class after its `[`, up to and including `]`.
fn class(reader: &mut Reader, out: &mut String) -> Result<(), &'static str> {
    let negated = reader.peek() == Some('^');
    if negated {
        reader.next();
    }
    if reader.peek() == Some(']') {
        reader.next();
        // `[]` matches nothing, `[^]` any character.
        out.push_str(if negated {
            r"[\x{0}-\x{10FFFF}]"
        } else {
            r"[^\x{0}-\x{10FFFF}]"
        });
        return Ok(());
    }
    out.push_str(if negated { "[^" } else { "[" });
    loop {
        if reader.peek() == Some(']') {
            reader.next();
            out.push(']');
            return Ok(());
        }
        let first = class_atom(reader)?;
        let range = reader.peek() == Some('-') && reader.peek_at(1).is_some_and(|c| c != ']');
        match (first, range) {
            (Atom::Char(low), true) => {
                reader.next();
                match class_atom(reader)? {
                    Atom::Char(high) if high >= low => {
                        out.push_str(&literal(low));
                        out.push('-');
                        out.push_str(&literal(high));
                    }
                    Atom::Char(_) => return Err("a range out of order"),
                    Atom::Items(_) => return Err("a range ending in a class escape"),
                }
            }
            (Atom::Char(c), false) => out.push_str(&literal(c)),
            (Atom::Items(_), true) => return Err("a range starting with a class escape"),
            (Atom::Items(items), false) => out.push_str(&items),
        }
    }
}

/// The pattern in `regex` syntax, or what needs a backtracking engine (or is not valid).
fn translate(pattern: &str) -> Result<String, &'static str> {
    let mut reader = Reader {
        chars: pattern.chars().collect(),
        at: 0,
    };
    let mut out = String::with_capacity(pattern.len() + 8);
    while let Some(c) = reader.next() {
        match c {
            '\\' => {
                let e = reader.next().ok_or("a trailing backslash")?;
                if let Some((items, negated)) = class_escape(e) {
                    out.push_str(if negated { "[^" } else { "[" });
                    out.push_str(items);
                    out.push(']');
                    continue;
                }
                match e {
                    'b' => out.push_str(r"(?-u:\b)"),
                    'B' => out.push_str(r"(?-u:\B)"),
                    'p' | 'P' => out.push_str(&property(&mut reader, e)?),
                    _ => {
                        let ch = character_escape(&mut reader, e)?.unwrap_or(e);
                        out.push_str(&literal(ch));
                    }
                }
            }
            '.' => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            '[' => class(&mut reader, &mut out)?,
            '(' => {
                if reader.starts_with("?=") || reader.starts_with("?!") {
                    return Err("a lookahead");
                }
                if reader.starts_with("?<=") || reader.starts_with("?<!") {
                    return Err("a lookbehind");
                }
                if reader.starts_with("?<") {
                    reader.at += 2;
                    out.push_str("(?P<");
                    loop {
                        match reader.next() {
                            Some('>') => break,
                            Some(ch) if ch.is_ascii_alphanumeric() || ch == '_' => out.push(ch),
                            _ => return Err("an unusual group name"),
                        }
                    }
                    out.push('>');
                } else if reader.starts_with("?:") {
                    reader.at += 2;
                    out.push_str("(?:");
                } else if reader.peek() == Some('?') {
                    return Err("a group modifier");
                } else {
                    out.push('(');
                }
            }
            '{' => {
                reader.at -= 1;
                match reader.quantifier_braces() {
                    Some((text, _, _)) => {
                        reader.at += text.chars().count();
                        out.push_str(&text);
                    }
                    None => {
                        reader.at += 1;
                        out.push_str(r"\{");
                    }
                }
            }
            '}' => out.push_str(r"\}"),
            ']' => out.push_str(r"\]"),
            '^' | '$' | '|' | ')' | '*' | '+' | '?' => out.push(c),
            other => out.push_str(&literal(other)),
        }
    }
    Ok(out)
}

/// True when a group that holds a repetition is itself repeated (`(a+)+`, `(\w+\s?)*`,
/// `(x{2,})+`): the shape that makes backtracking exponential.
pub fn has_nested_quantifiers(pattern: &str) -> bool {
    let mut reader = Reader {
        chars: pattern.chars().collect(),
        at: 0,
    };
    // Per open group: does it hold a repetition?
    let mut stack: Vec<bool> = vec![false];
    let mut closed_holds_repetition = false;
    let mut last_was_group = false;
    while let Some(c) = reader.next() {
        let repeats = match c {
            '*' | '+' => true,
            '{' => {
                reader.at -= 1;
                let braces = reader.quantifier_braces();
                reader.at += braces
                    .as_ref()
                    .map_or(1, |(text, _, _)| text.chars().count());
                braces.is_some_and(|(_, min, max)| max != Some(min))
            }
            _ => false,
        };
        if repeats {
            if last_was_group && closed_holds_repetition {
                return true;
            }
            if let Some(top) = stack.last_mut() {
                *top = true;
            }
            last_was_group = false;
            continue;
        }
        if c == '?' && last_was_group {
            // `(..)?` does not repeat; a lazy marker after a quantifier is skipped the same way.
            continue;
        }
        last_was_group = false;
        match c {
            '\\' => {
                reader.next();
            }
            '[' => {
                while let Some(inner) = reader.next() {
                    match inner {
                        '\\' => {
                            reader.next();
                        }
                        ']' => break,
                        _ => {}
                    }
                }
            }
            '(' => stack.push(false),
            ')' if stack.len() > 1 => {
                closed_holds_repetition = stack.pop().unwrap_or(false);
                if closed_holds_repetition {
                    if let Some(top) = stack.last_mut() {
                        *top = true;
                    }
                }
                last_was_group = true;
            }
            _ => {}
        }
    }
    false
}

/// The default of the shared input limit (bytes) for strings checked against a `pattern`
/// without `maxLength`; generated code can change it at run time with
/// `types::patterns::set_input_limit`.
pub const DEFAULT_INPUT_LIMIT: usize = 64 * 1024;

/// What [`rewrite`] left in the generated code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rewritten {
    /// Some pattern runs on `regex`.
    pub regex: bool,
    /// Some pattern stays on `regress`.
    pub regress: bool,
    /// Some check reads the shared input limit ([`limit_module`] must be emitted).
    pub input_limit: bool,
}

/// Rewrites typify's string checks (`FromStr` of validating newtypes) in `file`:
/// - a `pattern` runs on `regex` when [`classify`] allows it, else on `regress` with the `u`
///   flag (as JSON Schema asks);
/// - before the pattern, the input is bounded: typify's `maxLength` check already comes first;
///   without one, strings longer than the shared input limit are refused;
/// - checks a string type makes trivially true (`minLength: 0`, a `maxLength` no string can
///   exceed) are removed (issue #22).
pub fn rewrite(file: &mut syn::File) -> Rewritten {
    let mut done = Rewritten::default();
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else {
            continue;
        };
        for member in &mut imp.items {
            if let syn::ImplItem::Fn(function) = member {
                if function.sig.ident == "from_str" {
                    rewrite_block(&mut function.block, &mut done);
                }
            }
        }
    }
    done
}

/// `value.chars().count() <op> <n>usize` in an `if`, as (`<` or `>`, n).
fn length_check(stmt: &syn::Stmt) -> Option<(bool, u128)> {
    let syn::Stmt::Expr(syn::Expr::If(check), _) = stmt else {
        return None;
    };
    let syn::Expr::Binary(binary) = check.cond.as_ref() else {
        return None;
    };
    let less = match binary.op {
        syn::BinOp::Lt(_) => true,
        syn::BinOp::Gt(_) => false,
        _ => return None,
    };
    let left = quote::ToTokens::to_token_stream(&binary.left).to_string();
    if left.replace(' ', "") != "value.chars().count()" {
        return None;
    }
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(limit),
        ..
    }) = binary.right.as_ref()
    else {
        return None;
    };
    Some((less, limit.base10_parse().ok()?))
}

/// The pattern text of typify's `static PATTERN: LazyLock<::regress::Regex> = ...;`.
fn regress_static(stmt: &syn::Stmt) -> Option<String> {
    let syn::Stmt::Item(syn::Item::Static(item)) = stmt else {
        return None;
    };
    let ty = quote::ToTokens::to_token_stream(&item.ty).to_string();
    if item.ident != "PATTERN" || !ty.contains("regress") {
        return None;
    }
    let mut finder = FindString(None);
    syn::visit_mut::VisitMut::visit_expr_mut(&mut finder, &mut item.expr.as_ref().clone());
    finder.0
}

struct FindString(Option<String>);

impl syn::visit_mut::VisitMut for FindString {
    fn visit_lit_str_mut(&mut self, lit: &mut syn::LitStr) {
        self.0.get_or_insert_with(|| lit.value());
    }
}

fn rewrite_block(block: &mut syn::Block, done: &mut Rewritten) {
    // No payload is longer than MQTT's largest packet, so no decoded string has more characters.
    const LONGEST: u128 = super::constraints::MQTT_MAX_PACKET as u128;
    block.stmts.retain(|stmt| {
        !matches!(
            length_check(stmt),
            Some((true, 0)) | Some((false, LONGEST..))
        )
    });
    let has_max_length = block
        .stmts
        .iter()
        .any(|s| matches!(length_check(s), Some((false, _))));
    let Some(at) = block.stmts.iter().position(|s| regress_static(s).is_some()) else {
        return;
    };
    let pattern = regress_static(&block.stmts[at]).unwrap_or_default();
    let compiled: syn::Stmt = match classify(&pattern) {
        Engine::Linear(rust) => {
            done.regex = true;
            syn::parse_quote! {
                static PATTERN: ::std::sync::LazyLock<::regex::Regex> =
                    ::std::sync::LazyLock::new(|| ::regex::Regex::new(#rust).unwrap());
            }
        }
        Engine::Backtracking { .. } => {
            done.regress = true;
            syn::parse_quote! {
                static PATTERN: ::std::sync::LazyLock<::regress::Regex> =
                    ::std::sync::LazyLock::new(|| {
                        ::regress::Regex::with_flags(#pattern, "u")
                            .or_else(|_| ::regress::Regex::new(#pattern))
                            .unwrap()
                    });
            }
        }
    };
    block.stmts[at] = compiled;
    if !has_max_length {
        done.input_limit = true;
        let bound: syn::Stmt = syn::parse_quote! {
            if value.len() > self::patterns::input_limit() {
                return Err(::std::format!(
                    "longer than {} bytes, the limit for checking pattern {:?}",
                    self::patterns::input_limit(),
                    #pattern
                )
                .into());
            }
        };
        block.stmts.insert(at, bound);
    }
}

/// The `patterns` module of the shared input limit.
pub fn limit_module() -> syn::Item {
    let default = DEFAULT_INPUT_LIMIT;
    let doc = format!(" The current limit in bytes (default {default}).");
    syn::parse_quote! {
        /// The input limit of `pattern` checks: a string checked against a `pattern` whose schema
        /// has no `maxLength` is refused when it is longer than this many bytes, before the
        /// pattern runs.
        pub mod patterns {
            static INPUT_LIMIT: ::std::sync::atomic::AtomicUsize =
                ::std::sync::atomic::AtomicUsize::new(#default);

            #[doc = #doc]
            pub fn input_limit() -> usize {
                INPUT_LIMIT.load(::std::sync::atomic::Ordering::Relaxed)
            }

            /// Changes the limit for the whole process.
            pub fn set_input_limit(bytes: usize) {
                INPUT_LIMIT.store(bytes, ::std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear(pattern: &str) -> String {
        match classify(pattern) {
            Engine::Linear(rust) => rust,
            other => panic!("{pattern}: {other:?}"),
        }
    }

    #[test]
    fn translates_ecma_syntax() {
        assert_eq!(linear(r"^\d+$"), "^[0-9]+$");
        assert_eq!(linear(r"[\w-]"), r"[0-9A-Za-z_\x{2D}]");
        assert_eq!(linear(r"a{"), r"a\{");
        assert_eq!(linear(r"a{2,3}"), r"a{2,3}");
        assert_eq!(linear(r"\/"), r"\x{2F}");
        assert_eq!(linear(r"\u00e9\uD83D\uDE00"), "é😀");
        assert_eq!(linear(r"(?<year>\d{4})"), "(?P<year>[0-9]{4})");
        assert_eq!(linear(r"[^]"), r"[\x{0}-\x{10FFFF}]");
        assert!(linear(r"\p{Letter}\P{Script=Greek}").contains(r"\p{Letter}"));
        assert!(linear(r"\bword\B").contains(r"(?-u:\b)"));
    }

    #[test]
    fn backtracking_only_features_fall_back() {
        for pattern in [r"(a)\1", r"(?<x>a)\k<x>", r"a(?=b)", r"(?<!a)b", r"(?!x)"] {
            assert!(
                matches!(classify(pattern), Engine::Backtracking { .. }),
                "{pattern}"
            );
        }
    }

    #[test]
    fn finds_nested_quantifiers() {
        for nested in [
            r"^(a+)+$",
            r"^([a-z0-9]+)*$",
            r"^(\w+\s?)*$",
            r"((ab)*c)+",
            r"(a{2,})+",
        ] {
            assert!(has_nested_quantifiers(nested), "{nested}");
        }
        for flat in [
            r"^a+$", r"^(ab)+$", r"(a+)?", r"[(a+)]+", r"\(a+\)+", r"(a+)b+", r"(a{2})+",
        ] {
            assert!(!has_nested_quantifiers(flat), "{flat}");
        }
    }
}
