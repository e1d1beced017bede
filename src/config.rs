//! The connection file `~/.fastscore` (same YAML keys as the original) and the local home
//! directory that holds the embedded fleet.

use crate::error::{Context, Error, Result};
use crate::yaml::{self, Node};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The proxy prefix that selects the fleet embedded in this binary.
pub const EMBEDDED: &str = "embedded";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub proxy_prefix: String,
    /// Service API name → preferred instance name.
    pub preferred: BTreeMap<String, String>,
    pub target_name: Option<String>,
    pub basic_auth_secret: Option<String>,
    pub ldap_auth_secret: Option<String>,
    pub oauth2_secret: Option<String>,
    pub session_cookie: Option<String>,
    /// `tls-insecure: true` (`connect -insecure`): accept any certificate of the fleet.
    /// Written only when set, as is `ca-file`; the original has neither.
    pub tls_insecure: bool,
    /// `ca-file: /abs/path` (`connect -cacert:<file>`): trust the certificates in this PEM file.
    pub ca_file: Option<String>,
}

impl Connection {
    /// A fresh connection to `proxy_prefix`: no preferred instances, no target, no secrets.
    pub fn new(proxy_prefix: &str) -> Connection {
        Connection {
            proxy_prefix: proxy_prefix.to_string(),
            preferred: BTreeMap::new(),
            target_name: None,
            basic_auth_secret: None,
            ldap_auth_secret: None,
            oauth2_secret: None,
            session_cookie: None,
            tls_insecure: false,
            ca_file: None,
        }
    }

    pub fn is_embedded(&self) -> bool {
        self.proxy_prefix == EMBEDDED
    }

    /// Read the connection file; `None` when there is none (the embedded fleet is used).
    pub fn load() -> Result<Option<Connection>> {
        let path = connection_file()?;
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::new("Unable to recreate a Connect instance")
                    .caused_by(crate::error::io_error_text(&path.display().to_string(), &e)))
            }
        };
        Connection::from_yaml(&text)
            .map(Some)
            .context(|| "Unable to recreate a Connect instance".into())
    }

    fn from_yaml(text: &str) -> std::result::Result<Connection, String> {
        let root = yaml::parse(text)?.ok_or("the file is empty")?;
        let required = |key: &str| root.get(key).ok_or_else(|| format!("'{key}'"));
        let optional = |key: &str| -> std::result::Result<Option<String>, String> {
            match root.get(key) {
                None => Ok(None),
                Some(node) => node
                    .as_nullable_str()
                    .map(|v| v.map(str::to_string))
                    .ok_or_else(|| format!("'{key}' must be a string")),
            }
        };
        let proxy_prefix = required("proxy-prefix")?
            .as_nullable_str()
            .flatten()
            .ok_or("'proxy-prefix' must be a string")?
            .to_string();
        if proxy_prefix != EMBEDDED && !proxy_prefix.contains("://") {
            return Err(PROXY_PREFIX_ERROR.into());
        }
        let preferred = match required("preferred")? {
            Node::Map(members) => members
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_nullable_str()??.to_string())))
                .collect(),
            node if node.as_nullable_str() == Some(None) => BTreeMap::new(),
            _ => return Err("'preferred' must be a mapping".into()),
        };
        required("target-name")?;
        let tls_insecure = match optional("tls-insecure")?.as_deref() {
            None => false,
            Some("true" | "True" | "TRUE" | "yes") => true,
            Some("false" | "False" | "FALSE" | "no") => false,
            Some(_) => return Err("'tls-insecure' must be true or false".into()),
        };
        Ok(Connection {
            proxy_prefix,
            preferred,
            target_name: optional("target-name")?,
            basic_auth_secret: optional("basic-auth-secret")?,
            ldap_auth_secret: optional("ldap-auth-secret")?,
            oauth2_secret: optional("oauth2-secret")?,
            session_cookie: optional("session-cookie")?,
            tls_insecure,
            ca_file: optional("ca-file")?,
        })
    }

    /// The file as PyYAML writes it: the original's 7 keys, sorted, plus the TLS keys when
    /// they are set.
    pub fn to_yaml(&self) -> String {
        let preferred: Map<String, Value> = self
            .preferred
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut doc = json!({
            "basic-auth-secret": self.basic_auth_secret,
            "ldap-auth-secret": self.ldap_auth_secret,
            "oauth2-secret": self.oauth2_secret,
            "preferred": preferred,
            "proxy-prefix": self.proxy_prefix,
            "session-cookie": self.session_cookie,
            "target-name": self.target_name,
        });
        if self.tls_insecure {
            doc["tls-insecure"] = json!(true);
        }
        if let Some(file) = &self.ca_file {
            doc["ca-file"] = json!(file);
        }
        yaml::dump(
            &doc,
            yaml::Style {
                allow_unicode: false,
            },
        )
    }

    /// Write the file (mode 0600: it may hold secrets).
    pub fn save(&self) -> Result<()> {
        let path = connection_file()?;
        crate::fsutil::write_atomic(&path, self.to_yaml().as_bytes(), Some(0o600)).map_err(|e| {
            Error::new("Unable to save Connect info")
                .caused_by(crate::error::io_error_text(&path.display().to_string(), &e))
        })
    }
}

pub const PROXY_PREFIX_ERROR: &str = "Proxy prefix must be an URL, e.g. https://dashboard:8000";

fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(std::env::home_dir)
        .ok_or_else(|| Error::new("The home directory is unknown (set HOME)"))
}

/// `~/.fastscore`
pub fn connection_file() -> Result<PathBuf> {
    Ok(home()?.join(".fastscore"))
}

/// Other per-user files the original keeps next to it (`~/.fastscore.oauth2`, …).
pub fn home_file(name: &str) -> Result<PathBuf> {
    Ok(home()?.join(name))
}

/// Where the embedded fleet keeps its data: `$FASTSCORE_HOME`, else the XDG data directory.
pub fn local_home() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("FASTSCORE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("fastscore"));
    }
    Ok(home()?.join(".local/share/fastscore"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_in_the_original_layout() {
        let mut c = Connection::new("https://localhost:8000");
        c.preferred.insert("engine".into(), "engine-1".into());
        c.target_name = Some("engine-1".into());
        let text = c.to_yaml();
        assert_eq!(
            text,
            "basic-auth-secret: null\nldap-auth-secret: null\noauth2-secret: null\npreferred:\n  engine: engine-1\nproxy-prefix: https://localhost:8000\nsession-cookie: null\ntarget-name: engine-1\n"
        );
        assert_eq!(Connection::from_yaml(&text).unwrap(), c);
        assert!(Connection::new("x://y")
            .to_yaml()
            .contains("preferred: {}\n"));
    }

    #[test]
    fn tls_keys_only_when_set() {
        let mut c = Connection::new("https://fleet:8000");
        assert!(!c.to_yaml().contains("tls") && !c.to_yaml().contains("ca-file"));
        c.tls_insecure = true;
        c.ca_file = Some("/etc/fleet-ca.pem".into());
        let text = c.to_yaml();
        assert_eq!(
            text,
            "basic-auth-secret: null\nca-file: /etc/fleet-ca.pem\nldap-auth-secret: null\noauth2-secret: null\npreferred: {}\nproxy-prefix: https://fleet:8000\nsession-cookie: null\ntarget-name: null\ntls-insecure: true\n"
        );
        assert_eq!(Connection::from_yaml(&text).unwrap(), c);
    }

    #[test]
    fn missing_keys_are_named() {
        let err = Connection::from_yaml("proxy-prefix: https://x\npreferred: {}\n").unwrap_err();
        assert_eq!(err, "'target-name'");
    }
}
