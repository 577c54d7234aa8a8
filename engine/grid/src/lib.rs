//! # caqes-grid
//!
//! The Excel self-evaluation grid of CAQES.
//!
//! - [`write_grid`] (native and wasm32): from a catalog and optional answers,
//!   an `.xlsx` workbook with an identification sheet, one sheet per volet,
//!   a summary sheet and a hidden metadata sheet. Input cells are pink and
//!   unlocked; computed cells are green, real formulas reproducing the core's
//!   rules, with cached results from [`caqes_engine::evaluate`]; the export
//!   time is passed in (no clock is read).
//! - [`read_grid`] (feature `read`: a fast reader of grids, calamine for
//!   other files; native, and wasm32 in the web form's on-demand module
//!   `caqes-web-grid`): rebuilds the
//!   answers from the visible input cells, compares them with the metadata,
//!   and rescores them with the core.
//!
//! The cell positions are a pure function of the catalog ([`layout::layout`]),
//! shared by the writer and the reader.

pub mod formulas;
pub mod layout;
mod normalise;
#[cfg(feature = "read")]
mod read;
pub mod review;
mod writer;

pub use normalise::{clip, normalise, MAX_CELL_CHARS};
#[cfg(feature = "read")]
pub use read::{
    read_grid, read_grid_with_limits, AlteredFormula, CellProblem, EditedCell, GridRead,
    GridReader, Limits, Metadata, Outcome, Review,
};
pub use writer::{catalog_hash, sha256_hex, sha256_json, write_grid, write_grid_report, Written};

/// Every failure of the grid writer and reader, with a French message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    /// Writing the workbook failed (should not happen with valid catalogs).
    #[error("écriture de la grille impossible : {0}")]
    Write(String),
    /// The answers are for another catalog than the one asked.
    #[error(
        "la grille est celle du référentiel « {found} », pas de « {expected} » (autre campagne)"
    )]
    CatalogMismatch { expected: String, found: String },
    /// The grid names a catalog that is not available.
    #[error(
        "référentiel « {0} » inconnu : grille d'une autre campagne ou d'une version plus récente"
    )]
    UnknownCatalog(String),
    /// Empty file.
    #[error("fichier vide")]
    Empty,
    /// Not a zip container.
    #[error("ce n'est pas un classeur Excel .xlsx (fichier illisible ou d'un autre format)")]
    NotZip,
    /// An encrypted (password-protected) workbook or an old binary .xls.
    #[error("classeur protégé par un mot de passe (chiffré) ou au format .xls ancien : l'enregistrer sans mot de passe au format .xlsx")]
    Encrypted,
    /// A zip that is not a workbook.
    #[error("archive zip qui n'est pas un classeur Excel{0}")]
    NotWorkbook(String),
    /// Bounds exceeded (zip bomb, huge sheet).
    #[error("fichier trop volumineux une fois décompressé ({0}) : refusé par précaution")]
    TooLarge(String),
    /// A workbook that is not a CAQES grid.
    #[error("classeur Excel qui n'est pas une grille CAQES : {0}")]
    NotAGrid(String),
    /// The workbook is damaged.
    #[error("classeur endommagé ou illisible : ouvrez-le dans votre tableur et enregistrez-le à nouveau au format .xlsx (détail technique : {0})")]
    Corrupt(String),
    /// The reader failed unexpectedly (caught panic).
    #[error(
        "lecture impossible (erreur interne du lecteur de classeur, fichier probablement malformé)"
    )]
    Internal,
}
