//! Inputs supplied by the agency (`provided_by`) say so in the grid, next to the
//! pink cell that stays editable (the establishment may type an estimate).

use std::io::Read;

fn all_text(bytes: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        if f.name().unwrap().ends_with(".xml") {
            f.read_to_string(&mut out).unwrap();
        }
    }
    out
}

#[test]
fn agency_inputs_are_labelled_in_the_grid() {
    let catalogs = caqes_catalogs::bundled().unwrap();
    let vo = catalogs
        .iter()
        .find(|c| c.campaign.id == "occitanie-vo-2019")
        .unwrap();
    let text = all_text(&caqes_grid::write_grid(vo, None, "t").unwrap());
    // III.1, III.3, IV.1 (Assurance Maladie), V.1, V.2 (ARS). Shared strings are
    // stored once per distinct text: « nombre ; fourni par l'Assurance Maladie … »
    // (III.1, III.3) and « montant en euros ; … » (IV.1); one text for V.1/V.2.
    let am = text
        .matches("fourni par l'Assurance Maladie à l'évaluation")
        .count();
    let ars = text.matches("fourni par l'ARS à l'évaluation").count();
    assert_eq!((am, ars), (2, 1));
    // A catalog without provided_by says nothing of the kind.
    let nor = catalogs
        .iter()
        .find(|c| c.campaign.id == "normandie-2022")
        .unwrap();
    let text = all_text(&caqes_grid::write_grid(nor, None, "t").unwrap());
    assert!(!text.contains("fourni par l"));
}

/// Issue 13, item 7: a value listed in `assumed` carries a « supposé » cell note with its reason.
/// Occitanie 2018: 001 l.233-239 say what the 2018 evaluation covers, not how it is scored, so
/// the 25 points of each of the four deliverables are assumed.
#[test]
fn assumed_values_are_cell_notes() {
    let catalogs = caqes_catalogs::bundled().unwrap();
    let c = catalogs
        .iter()
        .find(|c| c.campaign.id == "occitanie-vo-2018")
        .unwrap();
    let text = all_text(&caqes_grid::write_grid(c, None, "t").unwrap());
    assert_eq!(
        text.matches("supposé — non donné par les sources : points : 25 par livrable")
            .count(),
        4,
        "one note per deliverable"
    );
}
