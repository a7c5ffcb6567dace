use crate::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// The procedure classes of the clinical reference, section 1.
    pub enum ProcedureClass ("procedure class") {
        AblativeFullCo2 = "ablative_full_co2",
        AblativeFullErbium = "ablative_full_erbium",
        AblativeFractional = "ablative_fractional",
        NonablativeFractional = "nonablative_fractional",
        Ipl = "ipl",
        PeelMedium = "peel_medium",
    }
}

impl ProcedureClass {
    /// The three ablative classes ("ablative" in the rule table).
    pub fn is_ablative(self) -> bool {
        matches!(
            self,
            Self::AblativeFullCo2 | Self::AblativeFullErbium | Self::AblativeFractional
        )
    }
    /// Plain words for patients and clinicians.
    pub fn label(self) -> &'static str {
        match self {
            Self::AblativeFullCo2 => "fully ablative CO2 laser",
            Self::AblativeFullErbium => "fully ablative erbium laser",
            Self::AblativeFractional => "fractional ablative laser",
            Self::NonablativeFractional => "non-ablative fractional laser",
            Self::Ipl => "intense pulsed light (IPL)",
            Self::PeelMedium => "medium-depth chemical peel",
        }
    }
}

text_enum! {
    /// Treated zones recorded at enrolment; some raise specific risks.
    pub enum Zone ("treated zone") {
        Periorbital = "periorbital",
        Perioral = "perioral",
        Neck = "neck",
        Other = "other",
    }
}

impl Zone {
    pub fn label(self) -> &'static str {
        match self {
            Zone::Periorbital => "around the eyes",
            Zone::Perioral => "around the mouth",
            Zone::Neck => "neck",
            Zone::Other => "other",
        }
    }
}

/// A set of treated zones, stored as comma-separated text (`perioral,neck`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zones(Vec<Zone>);

impl Zones {
    pub fn new(mut zones: Vec<Zone>) -> Self {
        zones.sort();
        zones.dedup();
        Self(zones)
    }
    /// Parses `perioral,periorbital,neck`; empty text is an empty set.
    pub fn parse(s: &str) -> Result<Self, super::UnknownOption> {
        let zones = s
            .split(',')
            .map(str::trim)
            .filter(|z| !z.is_empty())
            .map(Zone::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(zones))
    }
    pub fn contains(&self, z: Zone) -> bool {
        self.0.contains(&z)
    }
    pub fn iter(&self) -> impl Iterator<Item = Zone> + '_ {
        self.0.iter().copied()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn to_db(&self) -> String {
        self.0.iter().map(|z| z.as_str()).collect::<Vec<_>>().join(",")
    }
    pub fn labels(&self) -> String {
        self.0.iter().map(|z| z.label()).collect::<Vec<_>>().join(", ")
    }
}

/// Fitzpatrick skin type I–VI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct SkinType(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("skin type must be a number from 1 to 6")]
pub struct InvalidSkinType;

impl SkinType {
    pub fn new(n: i32) -> Result<Self, InvalidSkinType> {
        if (1..=6).contains(&n) {
            Ok(Self(n as u8))
        } else {
            Err(InvalidSkinType)
        }
    }
    pub fn get(self) -> i32 {
        self.0 as i32
    }
    pub fn roman(self) -> &'static str {
        ["I", "II", "III", "IV", "V", "VI"][(self.0 - 1) as usize]
    }
}
impl TryFrom<i32> for SkinType {
    type Error = InvalidSkinType;
    fn try_from(n: i32) -> Result<Self, Self::Error> {
        Self::new(n)
    }
}
impl From<SkinType> for i32 {
    fn from(s: SkinType) -> i32 {
        s.get()
    }
}

/// Prescribed prophylaxis recorded on a treatment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prescribed {
    pub antiviral: bool,
    pub antibiotic: bool,
}

impl Prescribed {
    pub fn any(self) -> bool {
        self.antiviral || self.antibiotic
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn procedure_ids_round_trip() {
        for p in ProcedureClass::ALL {
            assert_eq!(ProcedureClass::parse(p.as_str()).unwrap(), *p);
        }
        assert!(ProcedureClass::parse("laser").is_err());
        assert_eq!(ProcedureClass::ALL.iter().filter(|p| p.is_ablative()).count(), 3);
    }
    #[test]
    fn zones_parse_and_normalise() {
        let z = Zones::parse("neck, perioral,neck").unwrap();
        assert_eq!(z.to_db(), "perioral,neck");
        assert!(Zones::parse("perioral,knee").is_err());
        assert!(Zones::parse("").unwrap().is_empty());
    }
    #[test]
    fn skin_type_bounds() {
        assert!(SkinType::new(0).is_err() && SkinType::new(7).is_err());
        assert_eq!(SkinType::new(4).unwrap().roman(), "IV");
    }
}
