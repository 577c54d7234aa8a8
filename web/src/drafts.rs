//! Drafts in the browser's localStorage: one per establishment (FINESS) and
//! campaign, saved on every change; export and import as JSON files.
//!
//! Keys: `caqes-draft:<catalog>:<finess or "sans-finess">` (the canonical
//! answers JSON), `caqes-current` (the draft open in the form, restored on
//! reload), `caqes-catalog:<file name>` (TOML of catalogs opened by the user),
//! `caqes-review:<draft key>` (the agency's review imported for that draft,
//! file name then CSV text) and `caqes-response:<draft key>` (the responses,
//! [`crate::response::responses_to_text`]).

use caqes_engine::Answers;

const DRAFT_PREFIX: &str = "caqes-draft:";
const CURRENT: &str = "caqes-current";
const CATALOG_PREFIX: &str = "caqes-catalog:";
const REVIEW_PREFIX: &str = "caqes-review:";
const RESPONSE_PREFIX: &str = "caqes-response:";

/// A saved draft, as listed on the start page.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftInfo {
    /// Storage key.
    pub key: String,
    /// The answers.
    pub answers: Answers,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The storage key of a draft.
pub fn key_of(answers: &Answers) -> String {
    let finess = answers.establishment.finess.trim();
    let finess = if finess.is_empty() {
        "sans-finess"
    } else {
        finess
    };
    format!("{DRAFT_PREFIX}{}:{finess}", answers.catalog)
}

/// Saves a draft under `key`; `Err` with a French message when the browser
/// refuses (private mode, quota exceeded, storage disabled).
pub fn save(key: &str, answers: &Answers) -> Result<(), String> {
    let s =
        storage().ok_or_else(|| "le stockage local du navigateur est indisponible".to_string())?;
    s.set_item(key, &answers.to_canonical_json()).map_err(|_| {
        "le navigateur refuse d'enregistrer (mode privé ou espace plein)".to_string()
    })?;
    // Written only when it changes: a write costs several reads, and this
    // runs on every keystroke.
    if s.get_item(CURRENT).ok().flatten().as_deref() != Some(key) {
        let _ = s.set_item(CURRENT, key);
    }
    Ok(())
}

/// Loads a draft.
pub fn load(key: &str) -> Option<Answers> {
    let text = storage()?.get_item(key).ok()??;
    Answers::from_json(&text).ok()
}

/// Removes a draft.
pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// The draft open when the page was left.
pub fn current() -> Option<String> {
    storage()?.get_item(CURRENT).ok()?
}

/// Forgets the open draft (back to the start page).
pub fn clear_current() {
    if let Some(s) = storage() {
        let _ = s.remove_item(CURRENT);
    }
}

fn keys() -> Vec<String> {
    let Some(s) = storage() else {
        return Vec::new();
    };
    let n = s.length().unwrap_or(0);
    (0..n).filter_map(|i| s.key(i).ok().flatten()).collect()
}

/// Every saved draft, sorted by key.
pub fn list() -> Vec<DraftInfo> {
    let mut out: Vec<DraftInfo> = keys()
        .into_iter()
        .filter(|k| k.starts_with(DRAFT_PREFIX))
        .filter_map(|key| load(&key).map(|answers| DraftInfo { key, answers }))
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// Saves the TOML source of a catalog opened by the user.
pub fn save_catalog(name: &str, src: &str) -> Result<(), String> {
    let s = storage().ok_or_else(|| "stockage indisponible".to_string())?;
    s.set_item(&format!("{CATALOG_PREFIX}{name}"), src)
        .map_err(|_| "le navigateur refuse d'enregistrer le référentiel".to_string())
}

/// Catalog files opened earlier: (file name, TOML source).
pub fn saved_catalogs() -> Vec<(String, String)> {
    let Some(s) = storage() else {
        return Vec::new();
    };
    keys()
        .into_iter()
        .filter_map(|k| {
            let name = k.strip_prefix(CATALOG_PREFIX)?.to_string();
            Some((name, s.get_item(&k).ok()??))
        })
        .collect()
}

/// Saves the review imported for the draft `key` (file name, CSV text) and
/// the responses (JSON); `None` forgets both.
pub fn save_review(key: &str, review: Option<(&str, &str, &str)>) -> Result<(), String> {
    let s = storage().ok_or_else(|| "stockage indisponible".to_string())?;
    let (rk, pk) = (
        format!("{REVIEW_PREFIX}{key}"),
        format!("{RESPONSE_PREFIX}{key}"),
    );
    match review {
        Some((file, text, responses)) => s
            .set_item(&rk, &format!("{file}\n{text}"))
            .and_then(|_| s.set_item(&pk, responses))
            .map_err(|_| {
                "le navigateur refuse d'enregistrer (mode privé ou espace plein)".to_string()
            }),
        None => {
            let _ = s.remove_item(&rk);
            let _ = s.remove_item(&pk);
            Ok(())
        }
    }
}

/// The review saved for the draft `key`: (file name, CSV text, responses JSON).
pub fn load_review(key: &str) -> Option<(String, String, String)> {
    let s = storage()?;
    let stored = s.get_item(&format!("{REVIEW_PREFIX}{key}")).ok()??;
    let (file, text) = stored.split_once('\n')?;
    let responses = s
        .get_item(&format!("{RESPONSE_PREFIX}{key}"))
        .ok()
        .flatten()
        .unwrap_or_default();
    Some((file.to_string(), text.to_string(), responses))
}

/// Validates an imported file for the campaign `catalog_id`: well-formed
/// answers of this very campaign. The message is French and says that
/// nothing was changed.
pub fn validate_import(text: &str, catalog_id: &str) -> Result<Answers, String> {
    let text = text.trim_start_matches('\u{feff}');
    let answers = Answers::from_json(text).map_err(|e| {
        format!("Import refusé : ce fichier n'est pas un brouillon CAQES lisible ({e}). Votre brouillon actuel n'a pas été modifié.")
    })?;
    if answers.catalog != catalog_id {
        return Err(format!(
            "Import refusé : ce brouillon concerne la campagne « {} », pas la campagne ouverte « {catalog_id} ». Votre brouillon actuel n'a pas été modifié.",
            answers.catalog
        ));
    }
    Ok(answers)
}

/// File name of an exported draft.
pub fn export_name(answers: &Answers) -> String {
    let finess: String = answers
        .establishment
        .finess
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if finess.is_empty() {
        format!("caqes-{}-brouillon.json", answers.catalog)
    } else {
        format!("caqes-{}-{finess}.json", answers.catalog)
    }
}

/// Offers `bytes` as a download named `name` (Blob + object URL + `<a download>`).
pub fn download(name: &str, mime: &str, bytes: &[u8]) {
    use wasm_bindgen::JsCast;
    let blob = gloo::file::Blob::new_with_options(bytes, Some(mime));
    let url = gloo::file::ObjectUrl::from(blob);
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(a) = doc
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    // Revoke the URL a little later, once the download has started.
    gloo::timers::callback::Timeout::new(10_000, move || drop(url)).forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_is_validated_in_french() {
        let e = validate_import("{ pas du json", "na-ako-2024").unwrap_err();
        assert!(e.contains("n'est pas un brouillon CAQES lisible"), "{e}");
        assert!(e.contains("n'a pas été modifié"));
        let e = validate_import(r#"{"catalog":"occitanie-vo-2018"}"#, "na-ako-2024").unwrap_err();
        assert!(e.contains("« occitanie-vo-2018 »"), "{e}");
        let e = validate_import("\u{1}\u{2}PK\u{3}", "na-ako-2024").unwrap_err();
        assert!(e.contains("Import refusé"), "{e}");
        let a = validate_import(r#"{"catalog":"na-ako-2024"}"#, "na-ako-2024").unwrap();
        assert_eq!(a.catalog, "na-ako-2024");
    }

    #[test]
    fn keys_and_names() {
        let mut a = Answers {
            catalog: "na-ako-2024".into(),
            ..Answers::default()
        };
        assert_eq!(key_of(&a), "caqes-draft:na-ako-2024:sans-finess");
        assert_eq!(export_name(&a), "caqes-na-ako-2024-brouillon.json");
        a.establishment.finess = " 330781196".into();
        assert_eq!(key_of(&a), "caqes-draft:na-ako-2024:330781196");
        assert_eq!(export_name(&a), "caqes-na-ako-2024-330781196.json");
    }
}
