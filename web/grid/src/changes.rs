//! What changed between two versions of one campaign (issue 15, campaigns
//! published at run time): when an agency publishes a corrected catalog while
//! an establishment has a draft of that campaign, the form keeps the draft and
//! lists these lines. Here, in the on-demand module, because it compares
//! serialised catalogs (serde_json), which the form's first load does not hold.

use caqes_engine::{load_catalogs, Catalog, Indicator};

/// French lines, one per change: indicators added or removed, points changed,
/// target or scoring rule changed, then one line for any other change (texts,
/// identification questions, intéressement bands…). Empty when the two
/// versions are the same catalog.
pub fn catalog_changes(old: &Catalog, new: &Catalog) -> Vec<String> {
    let name = |i: &Indicator| format!("{} « {} »", i.code, i.title);
    let mut out = Vec::new();
    for i in &new.indicators {
        if !old.indicators.iter().any(|o| o.id == i.id) {
            out.push(format!("Indicateur ajouté : {}", name(i)));
        }
    }
    for o in &old.indicators {
        let Some(i) = new.indicators.iter().find(|i| i.id == o.id) else {
            out.push(format!(
                "Indicateur retiré : {} (vos réponses à cet indicateur sont conservées dans le brouillon)",
                name(o)
            ));
            continue;
        };
        if i.points != o.points {
            out.push(format!(
                "Points modifiés : {} : {} → {}",
                name(i),
                o.points.to_french_auto(),
                i.points.to_french_auto()
            ));
        }
        if json(&i.measure) != json(&o.measure) {
            out.push(format!("Cible ou règle de calcul modifiée : {}", name(i)));
        }
    }
    if out.is_empty() && json(old) != json(new) {
        out.push(
            "Autres modifications (textes, questions d'identification, conditions d'intéressement)"
                .into(),
        );
    }
    out
}

/// Any catalog part as compact JSON (for comparisons).
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A catalog file published at run time, checked before the form takes it:
/// `Err` (French, with the first errors) when `new_toml` is not a valid
/// catalog file; else, for each of its campaigns also defined by `old_toml`
/// (the version the form used: empty when none), one line `id\tchange` per
/// [`catalog_changes`] line.
pub fn published_changes(file: &str, old_toml: &str, new_toml: &str) -> Result<String, String> {
    let new = load_catalogs(file, new_toml).map_err(|e| {
        let first: Vec<String> = e.0.iter().take(3).map(|e| e.to_string()).collect();
        format!("{} erreur(s) : {}", e.0.len(), first.join(" ; "))
    })?;
    let old = load_catalogs(file, old_toml).unwrap_or_default();
    let mut out = Vec::new();
    for c in &new {
        if let Some(o) = old.iter().find(|o| o.campaign.id == c.campaign.id) {
            for line in catalog_changes(o, c) {
                out.push(format!(
                    "{}\t{}",
                    c.campaign.id,
                    line.replace(['\t', '\n'], " ")
                ));
            }
        }
    }
    Ok(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CatalogSource;

    fn na_ako() -> (&'static str, &'static str) {
        *caqes_catalogs::FILES
            .iter()
            .find(|(n, _)| *n == "na-ako.toml")
            .expect("na-ako.toml bundled")
    }

    fn load(file: &str, toml: &str) -> Catalog {
        CatalogSource {
            file,
            toml,
            id: "na-ako-2024",
        }
        .load()
        .expect("loads")
    }

    #[test]
    fn same_catalog_has_no_change() {
        let (file, toml) = na_ako();
        assert!(catalog_changes(&load(file, toml), &load(file, toml)).is_empty());
    }

    #[test]
    fn added_removed_points_and_targets_are_named() {
        let (file, toml) = na_ako();
        let old = load(file, toml);
        let mut new = old.clone();
        let removed = new.indicators.remove(0);
        let mut added = new.indicators[0].clone();
        added.id = "nouvel-indicateur".into();
        added.code = "NOUV 1".into();
        new.indicators.push(added);
        let first = &mut new.indicators[0];
        first.points = first
            .points
            .add(caqes_engine::Number::ONE)
            .expect("no overflow");
        let lines = catalog_changes(&old, &new);
        let text = lines.join("\n");
        assert!(text.contains("Indicateur ajouté : NOUV 1"), "{text}");
        assert!(
            text.contains(&format!("Indicateur retiré : {}", removed.code)),
            "{text}"
        );
        assert!(text.contains("Points modifiés : "), "{text}");
        assert!(!text.contains("Cible"), "{text}");
    }

    #[test]
    fn a_changed_target_is_named_and_a_bad_file_is_an_error() {
        let (file, toml) = na_ako();
        let err = published_changes(file, toml, "pas du toml [").unwrap_err();
        assert!(err.contains("erreur(s)"), "{err}");
        assert_eq!(published_changes(file, toml, toml).unwrap(), "");
        assert_eq!(published_changes(file, "", toml).unwrap(), "");
        let old = load(file, toml);
        let mut new = old.clone();
        new.indicators[0].measure = new.indicators[1].measure.clone();
        let lines = catalog_changes(&old, &new);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("Cible ou règle de calcul modifiée")),
            "{lines:?}"
        );
        // A text change of the file: lines carry the campaign id.
        let changed = toml.replace(
            "{ id = \"outils\", label = \"Par des outils partagés : DCC, DMP ou messagerie sécurisée de santé\", points = 10 }",
            "{ id = \"outils\", label = \"Par des outils partagés : DCC, DMP ou messagerie sécurisée de santé\", points = 5 }",
        ).replace("points = 10 },\n  { id = \"outils\"", "points = 15 },\n  { id = \"outils\"");
        assert_ne!(changed, toml);
        let text = published_changes(file, toml, &changed).unwrap();
        assert!(
            text.contains("na-ako-2024\tCible ou règle de calcul modifiée : IR CHO 3.2"),
            "{text}"
        );
    }
}
