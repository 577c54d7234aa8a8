//! # caqes-engine
//!
//! The pure scoring core of CAQES self-evaluations. A campaign is a TOML
//! catalog (see `indicators/README.md`); an establishment's answers are a JSON
//! document; [`evaluate`] gives the [`Evaluation`]: status and points of each
//! indicator, per-volet and total score, bonus, and the intéressement
//! [`Verdict`] with its reason.
//!
//! No I/O, no clock, no randomness, no floating point: the same answers give
//! the same score to the last digit, natively and in WebAssembly.
//!
//! ```
//! use caqes_engine::{load_catalogs, evaluate, Answers};
//! let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../indicators/na-ako.toml")).unwrap();
//! let catalogs = load_catalogs("na-ako.toml", &src).unwrap();
//! let catalog = catalogs.iter().find(|c| c.campaign.id == "na-ako-2022").unwrap();
//! let answers = Answers::from_json(r#"{
//!   "catalog": "na-ako-2022",
//!   "establishment": { "finess": "330781196", "name": "CHU", "legal_status": "public", "categories": ["mco"] },
//!   "indicators": {
//!     "ir-cho-2": { "criteria": { "programme": true, "pilotage": true, "paqss": true }, "evidence": ["programme", "bilan"] },
//!     "ir-cho-3-1": { "criteria": { "actions": true, "tracabilite": true }, "evidence": ["cas-conciliation"] },
//!     "ir-cho-3-2": { "criteria": { "transmission": true, "outils": true } },
//!     "ir-cho-4": { "criteria": { "coordination": true, "parcours": true } }
//!   }
//! }"#).unwrap();
//! let evaluation = evaluate(catalog, &answers);
//! assert_eq!(evaluation.total_rounded.unwrap().to_string(), "100");
//! assert_eq!(evaluation.verdict.interesse, Some(true));
//! ```

#![warn(missing_docs)]

mod answers;
mod catalog;
pub mod compact;
pub mod csv;
mod evaluate;
pub mod labels;
mod load;
mod number;
mod problem;
mod review;
mod shared;
pub mod text;
mod validate;
mod verdict;
mod whatif;

pub use answers::{
    finess_is_valid, Answers, AnswersError, DeclaredStatus, Establishment, IndicatorAnswer,
};
pub use catalog::*;
pub use evaluate::{
    evaluate, prefill, Evaluation, IndicatorResult, Origin, State, Status, VoletResult,
};
pub use load::{load_catalogs, CatalogError, CatalogErrors};
pub use number::{Number, Overflow, RoundingMode};
pub use problem::{Problem, Severity};
pub use review::{
    apply_review, parse_agency_data, parse_response_csv, parse_review_csv, write_response_csv,
    Adjustment, AdjustmentOrigin, AgencyDataRow, Decision, Official, Reponse, ResponseRow,
    ReviewError, ReviewRow, TableError,
};
pub use shared::SharedStr;
pub use verdict::Verdict;
pub use whatif::{best_gains, full_share, simulate_full_share, Gain};

/// Version of the engine, recorded in exported grids.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
