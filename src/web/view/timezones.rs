//! The time zone `<select>`: every IANA zone of the tz database (as
//! chrono-tz has it), grouped by region, labelled by the zone name (underscores read as spaces).

use std::sync::OnceLock;

/// One `<optgroup>`.
pub struct ZoneGroup {
    pub region: &'static str,
    pub zones: Vec<ZoneOption>,
}

/// One `<option>`: the stored name and its label ("America/Argentina/Buenos Aires":
/// the whole name, so the closed select still says which region).
pub struct ZoneOption {
    pub value: &'static str,
    pub label: String,
}

/// The regions of the tz database, in the order shown.
const REGIONS: [&str; 10] = [
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
];

fn label(name: &str) -> String {
    name.replace('_', " ")
}

fn by_region() -> &'static [ZoneGroup] {
    static GROUPS: OnceLock<Vec<ZoneGroup>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        let mut groups: Vec<ZoneGroup> = REGIONS
            .iter()
            .map(|r| ZoneGroup {
                region: r,
                zones: Vec::new(),
            })
            .collect();
        for tz in chrono_tz::TZ_VARIANTS.iter() {
            let name = tz.name();
            let Some((region, _)) = name.split_once('/') else {
                continue;
            };
            if let Some(g) = groups.iter_mut().find(|g| g.region == region) {
                g.zones.push(ZoneOption {
                    value: name,
                    label: label(name),
                });
            }
        }
        for g in &mut groups {
            g.zones.sort_by(|a, b| a.label.cmp(&b.label));
        }
        groups.push(ZoneGroup {
            region: "Universal",
            zones: vec![ZoneOption {
                value: "UTC",
                label: "UTC (no daylight saving)".into(),
            }],
        });
        groups
    })
}

/// Whether `name` is one of the listed options.
pub fn is_listed(name: &str) -> bool {
    by_region().iter().any(|g| g.zones.iter().any(|z| z.value == name))
}

/// What the `<select>` shows.
pub struct ZoneSelect {
    /// A valid zone the list does not show (an older alias such as
    /// "US/Eastern"), offered first so the page never silently changes it.
    pub unlisted: Option<ZoneOption>,
    pub groups: &'static [ZoneGroup],
}

/// The grouped list for a form whose value is `current`.
pub fn zone_select(current: &str) -> ZoneSelect {
    let unlisted = (!current.is_empty() && !is_listed(current))
        .then(|| current.parse::<chrono_tz::Tz>().ok())
        .flatten()
        .map(|tz| ZoneOption {
            value: tz.name(),
            label: tz.name().to_string(),
        });
    ZoneSelect {
        unlisted,
        groups: by_region(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_has_zones_and_common_ones_are_there() {
        let select = zone_select("Europe/London");
        assert!(select.unlisted.is_none());
        let groups = select.groups;
        assert!(groups.iter().all(|g| !g.zones.is_empty()));
        for name in [
            "Europe/London",
            "America/New_York",
            "Australia/Sydney",
            "Asia/Kolkata",
            "UTC",
        ] {
            assert!(is_listed(name), "{name}");
        }
        let america = groups.iter().find(|g| g.region == "America").unwrap();
        assert!(america
            .zones
            .iter()
            .any(|z| z.value == "America/Argentina/Buenos_Aires" && z.label == "America/Argentina/Buenos Aires"));
        // A valid zone outside the list is kept as the current setting.
        assert_eq!(zone_select("US/Eastern").unlisted.map(|z| z.value), Some("US/Eastern"));
        assert!(zone_select("not a zone").unlisted.is_none());
    }
}
