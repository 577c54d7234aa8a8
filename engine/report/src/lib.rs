//! # caqes-report
//!
//! The individual evaluation report of an establishment (« rapport
//! d'évaluation », issue 11): [`doc`] builds its format-free content from the
//! catalog, the self-assessed and official submissions and the campaign row;
//! [`html`] renders it as one printable page. Pure (no I/O, no clock), so the
//! same code serves `caqes report` (which adds the PDF renderer, native only)
//! and the form's « Aperçu du rapport » in the on-demand wasm module
//! `web/grid` ([`doc::Input::preview`]: the self-evaluation, marked
//! « auto-évaluation », before any review of the agency).

pub mod doc;
pub mod html;

pub use doc::{build, Block, Doc, Input, Period, Version};

use caqes_campaign::{aggregate, evaluate_with_history};
use caqes_engine::{Answers, Catalog};

/// The preview of the self-evaluation `answers` (« Aperçu du rapport » of the
/// form): evaluated with the core, progression from the answers' previous
/// score (a campaign of this establishment alone), no review, no period.
pub fn preview(catalog: &Catalog, answers: Answers) -> Doc {
    let own = evaluate_with_history(catalog, answers, &[]);
    let campaign = aggregate(catalog, std::slice::from_ref(&own), &[]);
    let row = campaign.establishments.first();
    build(&Input::preview(catalog, &own, row))
}
