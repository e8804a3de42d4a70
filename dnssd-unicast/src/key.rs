//! TSIG keys (RFC 8945): a key's name, its algorithm and its secret, and reading them
//! from BIND's key file format (what `tsig-keygen` and `ddns-confgen` write):
//!
//! ```text
//! key "update.example.com." {
//!     algorithm hmac-sha256;
//!     secret "c2VjcmV0IGJ5dGVzIGhlcmU=";
//! };
//! ```
//!
//! The secret never leaves this module in readable form: `Debug` prints it as
//! `<redacted>`, no error carries it or any part of the text around it, and it is
//! wiped from memory when the key is dropped.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use base64::Engine as _;
use core::fmt;
use mdns_sansio::{Name, NameError};
use zeroize::Zeroizing;

/// A TSIG algorithm this crate signs and verifies with (RFC 8945 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `hmac-sha256`: mandatory to implement (RFC 8945 §6).
    HmacSha256,
    /// `hmac-sha512`.
    HmacSha512,
}

impl Algorithm {
    /// The algorithm's name as on the wire (`hmac-sha256.`), lower case.
    pub fn wire_name(self) -> &'static [u8] {
        match self {
            Algorithm::HmacSha256 => b"\x0bhmac-sha256\x00",
            Algorithm::HmacSha512 => b"\x0bhmac-sha512\x00",
        }
    }

    /// The name as BIND writes it (`hmac-sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "hmac-sha256",
            Algorithm::HmacSha512 => "hmac-sha512",
        }
    }

    /// The full MAC length in bytes.
    pub fn mac_len(self) -> usize {
        match self {
            Algorithm::HmacSha256 => 32,
            Algorithm::HmacSha512 => 64,
        }
    }

    /// From a BIND or wire name, case-insensitively, with or without the final dot.
    pub fn from_name(text: &str) -> Option<Algorithm> {
        let t = text.strip_suffix('.').unwrap_or(text);
        if t.eq_ignore_ascii_case("hmac-sha256") {
            Some(Algorithm::HmacSha256)
        } else if t.eq_ignore_ascii_case("hmac-sha512") {
            Some(Algorithm::HmacSha512)
        } else {
            None
        }
    }

    /// From an algorithm name read off the wire (length-prefixed labels).
    pub fn from_wire(wire: &[u8]) -> Option<Algorithm> {
        [Algorithm::HmacSha256, Algorithm::HmacSha512]
            .into_iter()
            .find(|a| wire.eq_ignore_ascii_case(a.wire_name()))
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A shared secret key for TSIG. Cloning copies the secret (wiped from each copy on
/// drop); `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TsigKey {
    name: Name,
    algorithm: Algorithm,
    secret: Zeroizing<Vec<u8>>,
}

impl TsigKey {
    /// A key from its name, algorithm and secret bytes. An empty secret is refused.
    pub fn new(name: Name, algorithm: Algorithm, secret: &[u8]) -> Result<Self, KeyFileError> {
        if secret.is_empty() {
            return Err(KeyFileError::EmptySecret {
                key: name.to_string(),
            });
        }
        Ok(TsigKey {
            name,
            algorithm,
            secret: Zeroizing::new(secret.to_vec()),
        })
    }

    /// The key's name, as the TSIG record carries it.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The secret bytes, for the MAC alone.
    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// Reads every `key` statement of a file in BIND's format. Comments (`//`, `#`,
    /// `/* */`) are allowed; any other statement is an error.
    pub fn parse_bind(text: &str) -> Result<Vec<TsigKey>, KeyFileError> {
        parse_bind(text)
    }
}

impl fmt::Debug for TsigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TsigKey")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// What is wrong with a key file. No variant carries the secret or any text of the
/// file beyond key names, algorithm names and line numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The file holds no `key` statement.
    NoKey,
    /// Something else stood where the grammar wanted `expected`.
    Syntax {
        /// 1-based line.
        line: usize,
        /// What the grammar wanted there.
        expected: &'static str,
    },
    /// A statement other than `key`.
    UnexpectedStatement {
        /// 1-based line.
        line: usize,
        /// The statement's keyword.
        keyword: String,
    },
    /// A comment or string that never ends.
    Unterminated {
        /// 1-based line where it starts.
        line: usize,
    },
    /// The key's name is not a valid domain name.
    BadKeyName {
        /// 1-based line.
        line: usize,
        /// Why.
        error: NameError,
    },
    /// An algorithm this crate does not implement (only HMAC-SHA256 and HMAC-SHA512).
    UnknownAlgorithm {
        /// The key.
        key: String,
        /// The algorithm named in the file.
        algorithm: String,
    },
    /// The key has no `algorithm` clause.
    MissingAlgorithm {
        /// The key.
        key: String,
    },
    /// The key has no `secret` clause.
    MissingSecret {
        /// The key.
        key: String,
    },
    /// The secret is not valid base64.
    BadSecret {
        /// The key.
        key: String,
        /// 1-based line.
        line: usize,
    },
    /// The secret is empty.
    EmptySecret {
        /// The key.
        key: String,
    },
    /// The same key name twice.
    DuplicateKey {
        /// The key.
        key: String,
    },
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyFileError::NoKey => f.write_str("the key file holds no `key` statement"),
            KeyFileError::Syntax { line, expected } => {
                write!(f, "key file line {line}: expected {expected}")
            }
            KeyFileError::UnexpectedStatement { line, keyword } => write!(
                f,
                "key file line {line}: `{keyword}` statement where only `key` is understood"
            ),
            KeyFileError::Unterminated { line } => {
                write!(f, "key file line {line}: a string or comment never ends")
            }
            KeyFileError::BadKeyName { line, error } => {
                write!(f, "key file line {line}: bad key name: {error}")
            }
            KeyFileError::UnknownAlgorithm { key, algorithm } => write!(
                f,
                "key {key}: algorithm `{algorithm}` is not supported (use hmac-sha256 or hmac-sha512)"
            ),
            KeyFileError::MissingAlgorithm { key } => write!(f, "key {key} has no algorithm"),
            KeyFileError::MissingSecret { key } => write!(f, "key {key} has no secret"),
            KeyFileError::BadSecret { key, line } => {
                write!(f, "key {key} (line {line}): the secret is not valid base64")
            }
            KeyFileError::EmptySecret { key } => write!(f, "key {key}: the secret is empty"),
            KeyFileError::DuplicateKey { key } => write!(f, "key {key} is defined twice"),
        }
    }
}

impl core::error::Error for KeyFileError {}

/// A token of the key file, with its line.
#[derive(Debug, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Str(&'a str),
    Open,
    Close,
    Semi,
}

fn tokenize(text: &str) -> Result<Vec<(Tok<'_>, usize)>, KeyFileError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            _ if c.is_ascii_whitespace() => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = line;
                i += 2;
                loop {
                    match b.get(i) {
                        None => return Err(KeyFileError::Unterminated { line: start }),
                        Some(b'*') if b.get(i + 1) == Some(&b'/') => {
                            i += 2;
                            break;
                        }
                        Some(b'\n') => line += 1,
                        Some(_) => {}
                    }
                    i += 1;
                }
            }
            b'"' => {
                let start = i + 1;
                let end = b[start..]
                    .iter()
                    .position(|&x| x == b'"' || x == b'\n')
                    .map(|p| start + p)
                    .filter(|&e| b[e] == b'"')
                    .ok_or(KeyFileError::Unterminated { line })?;
                out.push((Tok::Str(&text[start..end]), line));
                i = end + 1;
            }
            b'{' => {
                out.push((Tok::Open, line));
                i += 1;
            }
            b'}' => {
                out.push((Tok::Close, line));
                i += 1;
            }
            b';' => {
                out.push((Tok::Semi, line));
                i += 1;
            }
            _ => {
                let start = i;
                while i < b.len()
                    && !b[i].is_ascii_whitespace()
                    && !matches!(b[i], b'{' | b'}' | b';' | b'"' | b'#')
                {
                    i += 1;
                }
                out.push((Tok::Word(&text[start..i]), line));
            }
        }
    }
    Ok(out)
}

fn parse_bind(text: &str) -> Result<Vec<TsigKey>, KeyFileError> {
    let toks = tokenize(text)?;
    let mut keys: Vec<TsigKey> = Vec::new();
    let mut it = toks.iter().peekable();
    let last_line = toks.last().map_or(1, |t| t.1);
    let syntax = |t: Option<&&(Tok<'_>, usize)>, expected| KeyFileError::Syntax {
        line: t.map_or(last_line, |t| t.1),
        expected,
    };
    while let Some(t) = it.next() {
        match &t.0 {
            Tok::Word(w) if w.eq_ignore_ascii_case("key") => {}
            Tok::Word(w) => {
                return Err(KeyFileError::UnexpectedStatement {
                    line: t.1,
                    keyword: String::from(*w),
                })
            }
            _ => return Err(syntax(Some(&t), "`key`")),
        }
        let name_tok = it.next();
        let (name_text, name_line) = match name_tok {
            Some((Tok::Str(s) | Tok::Word(s), l)) => (*s, *l),
            other => return Err(syntax(other.as_ref(), "a key name")),
        };
        let name = Name::parse(name_text).map_err(|error| KeyFileError::BadKeyName {
            line: name_line,
            error,
        })?;
        let key = name.to_string();
        let open = it.next();
        if !matches!(open, Some((Tok::Open, _))) {
            return Err(syntax(open.as_ref(), "`{`"));
        }
        let (mut algorithm, mut secret) = (None, None);
        loop {
            let clause = it.next();
            let word = match clause {
                Some((Tok::Close, _)) => break,
                Some((Tok::Word(w), _)) => *w,
                other => return Err(syntax(other.as_ref(), "`algorithm`, `secret` or `}`")),
            };
            let value = it.next();
            let (value, vline) = match value {
                Some((Tok::Str(s) | Tok::Word(s), l)) => (*s, *l),
                other => return Err(syntax(other.as_ref(), "a value")),
            };
            let semi = it.next();
            if !matches!(semi, Some((Tok::Semi, _))) {
                return Err(syntax(semi.as_ref(), "`;`"));
            }
            if word.eq_ignore_ascii_case("algorithm") {
                algorithm = Some(Algorithm::from_name(value).ok_or_else(|| {
                    KeyFileError::UnknownAlgorithm {
                        key: key.clone(),
                        algorithm: String::from(value),
                    }
                })?);
            } else if word.eq_ignore_ascii_case("secret") {
                // Whitespace inside the quotes is allowed by BIND; base64 has none.
                let compact: Zeroizing<String> =
                    Zeroizing::new(value.chars().filter(|c| !c.is_whitespace()).collect());
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map_err(|_| KeyFileError::BadSecret {
                        key: key.clone(),
                        line: vline,
                    })?;
                secret = Some(Zeroizing::new(bytes));
            } else {
                return Err(syntax(clause.as_ref(), "`algorithm` or `secret`"));
            }
        }
        let semi = it.next();
        if !matches!(semi, Some((Tok::Semi, _))) {
            return Err(syntax(semi.as_ref(), "`;` after `}`"));
        }
        let algorithm =
            algorithm.ok_or_else(|| KeyFileError::MissingAlgorithm { key: key.clone() })?;
        let secret = secret.ok_or_else(|| KeyFileError::MissingSecret { key: key.clone() })?;
        if keys.iter().any(|k| k.name == name) {
            return Err(KeyFileError::DuplicateKey { key });
        }
        keys.push(TsigKey::new(name, algorithm, &secret)?);
    }
    if keys.is_empty() {
        return Err(KeyFileError::NoKey);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    const FILE: &str = r#"
// written by tsig-keygen
key "update.example.com" {
	algorithm hmac-sha256;
	secret "c2VjcmV0LWJ5dGVzLWZvci10ZXN0aW5nLW9ubHk=";
};
/* a second
   key */ key other. { algorithm HMAC-SHA512; secret "AAEC"; };
"#;

    #[test]
    fn bind_key_files_read_with_comments_and_two_keys() {
        let keys = TsigKey::parse_bind(FILE).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].name(), &Name::parse("update.example.com.").unwrap());
        assert_eq!(keys[0].algorithm(), Algorithm::HmacSha256);
        assert_eq!(keys[0].secret(), b"secret-bytes-for-testing-only");
        assert_eq!(keys[1].algorithm(), Algorithm::HmacSha512);
        assert_eq!(keys[1].secret(), &[0, 1, 2]);
    }

    #[test]
    fn the_secret_never_shows_in_debug_or_errors() {
        let keys = TsigKey::parse_bind(FILE).unwrap();
        let dbg = format!("{keys:?}");
        assert!(dbg.contains("<redacted>") && !dbg.contains("c2VjcmV0"));
        assert!(!dbg.contains("secret-bytes"));
        let bad = r#"key k { algorithm hmac-sha256; secret "not base64 !!"; };"#;
        let e = TsigKey::parse_bind(bad).unwrap_err();
        assert_eq!(
            e,
            KeyFileError::BadSecret {
                key: "k.".into(),
                line: 1
            }
        );
        assert!(!format!("{e} {e:?}").contains("base64 !!"));
        // An unquoted secret where a clause keyword should be: no token text echoed.
        let e = TsigKey::parse_bind("key k { algorithm hmac-sha256; c2VjcmV0 x; };").unwrap_err();
        assert!(!format!("{e} {e:?}").contains("c2VjcmV0"), "{e}");
    }

    #[test]
    fn typed_errors_name_the_problem() {
        let e = |t: &str| TsigKey::parse_bind(t).unwrap_err();
        assert_eq!(e(""), KeyFileError::NoKey);
        assert_eq!(
            e("key k { algorithm hmac-md5; secret \"AA==\"; };"),
            KeyFileError::UnknownAlgorithm {
                key: "k.".into(),
                algorithm: "hmac-md5".into()
            }
        );
        assert_eq!(
            e("key k { secret \"AA==\"; };"),
            KeyFileError::MissingAlgorithm { key: "k.".into() }
        );
        assert_eq!(
            e("key k { algorithm hmac-sha256; };"),
            KeyFileError::MissingSecret { key: "k.".into() }
        );
        assert_eq!(
            e("key k { algorithm hmac-sha256; secret \"\"; };"),
            KeyFileError::EmptySecret { key: "k.".into() }
        );
        assert!(matches!(
            e("options { };"),
            KeyFileError::UnexpectedStatement { line: 1, .. }
        ));
        assert_eq!(
            e("key k {\n algorithm hmac-sha256\n};"),
            KeyFileError::Syntax {
                line: 3,
                expected: "`;`"
            }
        );
        assert_eq!(e("key \"k {"), KeyFileError::Unterminated { line: 1 });
        assert_eq!(e("/* x"), KeyFileError::Unterminated { line: 1 });
        let two = "key k { algorithm hmac-sha256; secret \"AA==\"; }; key K. { algorithm hmac-sha256; secret \"AA==\"; };";
        assert_eq!(e(two), KeyFileError::DuplicateKey { key: "K.".into() });
    }
}
