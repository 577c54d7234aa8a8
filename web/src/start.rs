//! Start page: the bundled campaigns, "ouvrir un autre référentiel" (a TOML
//! catalog file loaded through `load_catalogs`), and the saved drafts.

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
            <ul class="campaigns">
            { for catalogs.iter().rev().map(|c| {
                let id = c.campaign.id.clone();
                html! {
                    <li>
                        <button type="button" class="campaign" data-catalog={id.clone()} onclick={link.callback(move |_| Msg::Open(id.clone()))}>
                            <strong>{ &c.campaign.title }</strong>
                            <span>{ format!("{} — année {} ({})", c.campaign.region, c.campaign.year, c.campaign.id) }</span>
                        </button>
                    </li>
                }
            }) }
            </ul>
            <p>
                <label for="catalog-file" class="button secondary">{ "Ouvrir un autre référentiel (fichier TOML)…" }</label>
                <input type="file" id="catalog-file" class="visually-hidden" accept=".toml,text/plain" onchange={on_file} />
            </p>
            <p class="hint">{ "Un référentiel publié par une agence après cette version peut être ouvert ici ; il est conservé sur cet appareil." }</p>
        </section>
        </>
    }
}
