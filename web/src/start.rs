//! Start page: the bundled campaigns, "ouvrir un autre référentiel" (a TOML
//! catalog file loaded through `load_catalogs`), and the saved drafts.
//! Campaigns are grouped by region and family, with one button per year.

use crate::app::{App, Msg};
use crate::drafts::DraftInfo;
use caqes_engine::Catalog;
use std::rc::Rc;
use yew::html::Scope;
use yew::prelude::*;

/// The start page.
pub fn view(catalogs: &[Rc<Catalog>], drafts: &[DraftInfo], link: &Scope<App>) -> Html {
    let on_file = link.callback(|e: Event| match crate::fields::take_file(&e) {
        Some(f) => Msg::CatalogFile(f),
        None => Msg::Dismiss,
    });
    html! {
        <>
        <p class="intro">{ "Simulez votre score CAQES avant de transmettre votre auto-évaluation. Tout reste sur cet appareil : rien n'est envoyé, et le formulaire fonctionne hors connexion." }</p>
        <section aria-labelledby="h-drafts">
            <h2 id="h-drafts">{ "Brouillons enregistrés" }</h2>
            if drafts.is_empty() {
                <p class="hint">{ "Aucun brouillon enregistré sur cet appareil." }</p>
            } else {
                <ul class="drafts" id="drafts">
                { for drafts.iter().map(|d| {
                    let key = d.key.clone();
                    let key2 = d.key.clone();
                    let est = &d.answers.establishment;
                    let name = if est.name.trim().is_empty() { "Établissement sans nom".to_string() } else { est.name.clone() };
                    let finess = if est.finess.trim().is_empty() { "FINESS non renseigné".to_string() } else { format!("FINESS {}", est.finess) };
                    let label = format!("{name} — {finess} — {}", d.answers.catalog);
                    html! {
                        <li>
                            <span>{ &label }</span>
                            <button type="button" aria-label={format!("Reprendre : {label}")} onclick={link.callback(move |_| Msg::Resume(key.clone()))}>{ "Reprendre" }</button>
                            <button type="button" class="secondary" aria-label={format!("Supprimer : {label}")} onclick={link.callback(move |_| Msg::DeleteDraft(key2.clone()))}>{ "Supprimer" }</button>
                        </li>
                    }
                }) }
                </ul>
            }
        </section>
        <section aria-labelledby="h-campaigns">
            <h2 id="h-campaigns">{ "Nouvelle auto-évaluation" }</h2>
            { for by_region(&group_campaigns(catalogs)).into_iter().map(|(region, groups)| html! {
                <>
                <h3>{ region }</h3>
                <ul class="campaigns">
                { for groups.into_iter().map(|g| {
                    let gid = format!("family-{}", g.family);
                    html! {
                        <li class="family">
                            <p class="family-title" id={gid.clone()}><strong>{ &g.title }</strong></p>
                            <div class="years" role="group" aria-labelledby={gid}>
                                <span class="hint">{ "Année : " }</span>
                                { for g.years.iter().map(|(year, id, title)| {
                                    let id = id.clone();
                                    let latest = g.years.last().is_some_and(|l| l.1 == id);
                                    html! {
                                        <button type="button" class={classes!("year", (!latest).then_some("secondary"))}
                                            data-catalog={id.clone()} title={format!("{title} ({id})")}
                                            onclick={link.callback(move |_| Msg::Open(id.clone()))}>{ year }</button>
                                    }
                                }) }
                            </div>
                        </li>
                    }
                }) }
                </ul>
                </>
            }) }
            <p>
                <label for="catalog-file" class="button secondary">{ "Ouvrir un autre référentiel (fichier TOML)…" }</label>
                <input type="file" id="catalog-file" class="visually-hidden" accept=".toml,text/plain" onchange={on_file} />
            </p>
            <p class="hint">{ "Un référentiel publié par une agence après cette version peut être ouvert ici ; il est conservé sur cet appareil." }</p>
        </section>
        </>
    }
}

/// The campaigns of one family (the catalog id without its « -<year> »).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// Region.
    pub region: String,
    /// Family id, e.g. `na-ako`.
    pub family: String,
    /// Title of the latest year.
    pub title: String,
    /// (year, catalog id, title of that year), by year.
    pub years: Vec<(u16, String, String)>,
}

/// The catalogs grouped by family, sorted by region then title.
pub fn group_campaigns(catalogs: &[Rc<Catalog>]) -> Vec<Family> {
    let mut out: Vec<Family> = Vec::new();
    for c in catalogs {
        let cp = &c.campaign;
        let family = cp
            .id
            .strip_suffix(&format!("-{}", cp.year))
            .unwrap_or(&cp.id)
            .to_string();
        let entry = (cp.year, cp.id.clone(), cp.title.clone());
        // Insertions in place rather than sorts: less code in the first load.
        match out
            .iter_mut()
            .find(|f| f.family == family && f.region == cp.region)
        {
            Some(f) => {
                f.years.retain(|y| y.1 != cp.id);
                let at = f.years.iter().position(|y| y.0 > cp.year);
                f.years.insert(at.unwrap_or(f.years.len()), entry);
            }
            None => out.push(Family {
                region: cp.region.clone(),
                family,
                title: String::new(),
                years: vec![entry],
            }),
        }
    }
    let mut sorted: Vec<Family> = Vec::with_capacity(out.len());
    for mut f in out {
        f.title = f.years.last().map(|y| y.2.clone()).unwrap_or_default();
        let at = sorted
            .iter()
            .position(|g| (&g.region, &g.title) > (&f.region, &f.title));
        sorted.insert(at.unwrap_or(sorted.len()), f);
    }
    sorted
}

/// Families by region (in the order of `families`).
fn by_region(families: &[Family]) -> Vec<(String, Vec<Family>)> {
    let mut out: Vec<(String, Vec<Family>)> = Vec::new();
    for f in families {
        match out.iter_mut().find(|(r, _)| *r == f.region) {
            Some((_, list)) => list.push(f.clone()),
            None => out.push((f.region.clone(), vec![f.clone()])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaigns_grouped_by_region_and_family_with_their_years() {
        let catalogs: Vec<Rc<Catalog>> = crate::bundled().iter().cloned().map(Rc::new).collect();
        let groups = group_campaigns(&catalogs);
        let count: usize = groups.iter().map(|g| g.years.len()).sum();
        assert_eq!(count, catalogs.len(), "every campaign-year once");
        let ako = groups
            .iter()
            .find(|g| g.family == "na-ako")
            .expect("na-ako family");
        assert_eq!(ako.region, "Nouvelle-Aquitaine");
        let years: Vec<u16> = ako.years.iter().map(|y| y.0).collect();
        assert_eq!(years, vec![2022, 2023, 2024, 2025, 2026]);
        assert_eq!(ako.years[2].1, "na-ako-2024");
        let vo = groups
            .iter()
            .find(|g| g.family == "occitanie-vo")
            .expect("occitanie-vo family");
        assert_eq!(
            vo.title,
            vo.years.last().map(|y| y.2.clone()).unwrap_or_default()
        );
        // Regions are contiguous and sorted.
        let regions: Vec<&str> = groups.iter().map(|g| g.region.as_str()).collect();
        let mut sorted = regions.clone();
        sorted.sort();
        assert_eq!(regions, sorted);
        assert!(by_region(&groups).len() < groups.len() + 1);
    }
}
