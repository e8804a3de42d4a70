//! The live table's model: one row per instance seen, built from browse changes, with
//! the time each appeared. Pure: times are offsets from the start of the view, given by
//! the caller; nothing here reads a clock or touches the terminal.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// What a browse said, in printable form (names already turned into text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The instance is seen on `interface`.
    Found {
        /// Instance label.
        instance: String,
        /// Its service type.
        service_type: String,
        /// Interface name (`dns` for a DNS server).
        interface: String,
    },
    /// The instance is gone from `interface`.
    Removed {
        /// Instance label.
        instance: String,
        /// Its service type.
        service_type: String,
        /// Interface name.
        interface: String,
    },
    /// The instance resolved, or its data changed.
    Resolved(Resolution),
    /// Something to show below the table (a DNS server that does not answer).
    Warning(String),
}

/// What resolving an instance gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// Instance label.
    pub instance: String,
    /// Its service type.
    pub service_type: String,
    /// Host name, `box.local.`.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Addresses, formatted (`fe80::1%eth0`), in the order to show.
    pub addresses: Vec<String>,
    /// TXT entries, `key=value` or `key`.
    pub txt: Vec<String>,
}

/// One instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Instance label.
    pub instance: String,
    /// Its service type.
    pub service_type: String,
    /// Where it is seen now.
    pub interfaces: BTreeSet<String>,
    /// What it resolved to, once it has.
    pub resolved: Option<Resolution>,
    /// When it appeared (offset from the start of the view).
    pub since: Duration,
}

/// Rows sort by instance name without regard to case (DNS names compare that way),
/// then exactly, then by type: a stable order whatever the arrival order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    folded: String,
    instance: String,
    service_type: String,
}

impl Key {
    fn new(instance: &str, service_type: &str) -> Key {
        Key {
            folded: instance.to_lowercase(),
            instance: instance.to_string(),
            service_type: service_type.to_string(),
        }
    }
}

/// The instances seen now, in display order, and the last warning.
#[derive(Clone, Debug, Default)]
pub struct Table {
    rows: BTreeMap<Key, Row>,
    warning: Option<String>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table::default()
    }

    /// Takes in one change at `now` (offset from the start of the view).
    pub fn apply(&mut self, now: Duration, change: Change) {
        match change {
            Change::Found {
                instance,
                service_type,
                interface,
            } => {
                self.row(now, &instance, &service_type)
                    .interfaces
                    .insert(interface);
            }
            Change::Removed {
                instance,
                service_type,
                interface,
            } => {
                let key = Key::new(&instance, &service_type);
                if let Some(row) = self.rows.get_mut(&key) {
                    row.interfaces.remove(&interface);
                    if row.interfaces.is_empty() {
                        self.rows.remove(&key);
                    }
                }
            }
            Change::Resolved(r) => {
                let row = self.row(now, &r.instance, &r.service_type);
                row.resolved = Some(r);
            }
            Change::Warning(w) => self.warning = Some(w),
        }
    }

    fn row(&mut self, now: Duration, instance: &str, service_type: &str) -> &mut Row {
        self.rows
            .entry(Key::new(instance, service_type))
            .or_insert_with(|| Row {
                instance: instance.to_string(),
                service_type: service_type.to_string(),
                interfaces: BTreeSet::new(),
                resolved: None,
                since: now,
            })
    }

    /// The rows, in display order.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.values()
    }

    /// How many instances are seen.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The last warning, if any.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTTP: &str = "_http._tcp";

    fn found(instance: &str, interface: &str) -> Change {
        Change::Found {
            instance: instance.into(),
            service_type: HTTP.into(),
            interface: interface.into(),
        }
    }

    fn removed(instance: &str, interface: &str) -> Change {
        Change::Removed {
            instance: instance.into(),
            service_type: HTTP.into(),
            interface: interface.into(),
        }
    }

    fn resolved(instance: &str, port: u16) -> Change {
        Change::Resolved(Resolution {
            instance: instance.into(),
            service_type: HTTP.into(),
            host: "box.local.".into(),
            port,
            addresses: vec!["10.0.0.2".into()],
            txt: vec!["path=/".into()],
        })
    }

    fn names(t: &Table) -> Vec<&str> {
        t.rows().map(|r| r.instance.as_str()).collect()
    }

    #[test]
    fn rows_sort_by_name_without_case_whatever_the_arrival_order() {
        let mut t = Table::new();
        for name in ["kitchen", "Attic", "Zebra", "attic", "Bedroom"] {
            t.apply(Duration::ZERO, found(name, "eth0"));
        }
        assert_eq!(names(&t), ["Attic", "attic", "Bedroom", "kitchen", "Zebra"]);
        assert_eq!(t.len(), 5);
    }

    #[test]
    fn a_row_stays_while_any_interface_still_sees_it() {
        let mut t = Table::new();
        t.apply(Duration::ZERO, found("Kitchen", "eth0"));
        t.apply(Duration::ZERO, found("Kitchen", "wlan0"));
        t.apply(Duration::from_secs(1), removed("Kitchen", "eth0"));
        assert_eq!(names(&t), ["Kitchen"]);
        let row = t.rows().next().unwrap();
        assert_eq!(row.interfaces.iter().collect::<Vec<_>>(), ["wlan0"]);
        t.apply(Duration::from_secs(2), removed("Kitchen", "wlan0"));
        assert_eq!(t.len(), 0);
        // A removal of something never seen changes nothing.
        t.apply(Duration::from_secs(3), removed("Ghost", "eth0"));
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn a_row_keeps_the_time_it_appeared_and_takes_the_latest_resolution() {
        let mut t = Table::new();
        t.apply(Duration::from_secs(5), found("Kitchen", "eth0"));
        t.apply(Duration::from_secs(6), resolved("Kitchen", 80));
        t.apply(Duration::from_secs(9), resolved("Kitchen", 8080));
        t.apply(Duration::from_secs(9), found("Kitchen", "wlan0"));
        let row = t.rows().next().unwrap();
        assert_eq!(row.since, Duration::from_secs(5));
        assert_eq!(row.resolved.as_ref().unwrap().port, 8080);
    }

    #[test]
    fn a_resolution_before_its_browse_answer_makes_the_row() {
        let mut t = Table::new();
        t.apply(Duration::from_secs(2), resolved("Kitchen", 80));
        assert_eq!(names(&t), ["Kitchen"]);
        assert_eq!(t.rows().next().unwrap().since, Duration::from_secs(2));
    }

    #[test]
    fn a_come_back_is_a_new_row() {
        let mut t = Table::new();
        t.apply(Duration::ZERO, found("Kitchen", "eth0"));
        t.apply(Duration::ZERO, resolved("Kitchen", 80));
        t.apply(Duration::from_secs(10), removed("Kitchen", "eth0"));
        t.apply(Duration::from_secs(20), found("Kitchen", "eth0"));
        let row = t.rows().next().unwrap();
        assert_eq!(row.since, Duration::from_secs(20));
        assert_eq!(row.resolved, None);
    }

    #[test]
    fn the_last_warning_is_kept() {
        let mut t = Table::new();
        assert_eq!(t.warning(), None);
        t.apply(Duration::ZERO, Change::Warning("one".into()));
        t.apply(Duration::ZERO, Change::Warning("two".into()));
        assert_eq!(t.warning(), Some("two"));
    }
}
