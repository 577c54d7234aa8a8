//! Campaigns published at run time (issue 15): `web/static/loader.js` fetches
//! `referentiels/index.json` and the TOML files it lists while the wasm
//! starts (`window.caqesPublished`); the form takes every file whose text it
//! has not seen yet. A valid file replaces the campaigns of the same ids (an
//! agency adds or corrects a campaign by copying files, no rebuild) and is
//! remembered in localStorage like a catalog opened by hand, so it works
//! offline next time. An invalid file changes nothing and is reported.
//!
//! When a campaign with a draft in progress changes, the draft is kept as it
//! is, the open form is re-scored with the new version, and the notice lists
//! what changed (computed by the on-demand grid module, which compares the
//! serialised catalogs: `grid_module::changes`).

use super::{best_gains, App, Msg, Notice, Screen};
use crate::{drafts, grid_module};
use caqes_engine::{evaluate, load_catalogs};
use yew::html::Scope;
use yew::prelude::*;

/// A published file: name and text (`None`: listed but not found).
pub type Published = (String, Option<String>);

/// Awaits `window.caqesPublished` and sends [`Msg::Published`]; nothing when
/// it rejects (offline, no `referentiels/` on this server).
pub(super) fn fetch(link: &Scope<App>) {
    #[cfg(target_arch = "wasm32")]
    {
        let link = link.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(files) = read().await {
                link.send_message(Msg::Published(files));
            }
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = link;
}

#[cfg(target_arch = "wasm32")]
async fn read() -> Option<Vec<Published>> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window()?;
    let promise: js_sys::Promise = js_sys::Reflect::get(&window, &"caqesPublished".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let list: js_sys::Array = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    Some(
        list.iter()
            .filter_map(|pair| {
                let pair: js_sys::Array = pair.dyn_into().ok()?;
                Some((pair.get(0).as_string()?, pair.get(1).as_string()))
            })
            .collect(),
    )
}

impl App {
    /// The (file, TOML) that defines the campaign `id` now.
    fn source_of(&self, id: &str) -> Option<(String, String)> {
        self.sources
            .get(id)
            .cloned()
            .or_else(|| crate::bundled_file(id).map(|(f, t)| (f.to_string(), t.to_string())))
    }

    /// Whether the text of the published file `name` is already in use.
    fn seen(&self, name: &str, src: &str) -> bool {
        if self.sources.values().any(|(f, t)| f == name && t == src) {
            return true;
        }
        let saved = self.sources.values().any(|(f, _)| f == name);
        !saved
            && caqes_catalogs::FILES
                .iter()
                .any(|(f, t)| *f == name && *t == src)
    }

    /// Takes the published files (see the module doc).
    pub(super) fn published(&mut self, ctx: &Context<Self>, files: Vec<Published>) -> bool {
        let mut errors = Vec::new();
        let in_progress: Vec<String> = drafts::list()
            .into_iter()
            .map(|d| d.answers.catalog)
            .collect();
        for (name, src) in files {
            let Some(src) = src else {
                errors.push(format!(
                    "« {name} » : fichier cité par l'index mais introuvable"
                ));
                continue;
            };
            if self.seen(&name, &src) {
                continue;
            }
            let list = match load_catalogs(&name, &src) {
                Ok(list) => list,
                Err(e) => {
                    errors.push(format!("« {name} » : {} erreur(s), non chargé", e.0.len()));
                    continue;
                }
            };
            let olds: Vec<_> = list
                .iter()
                .filter(|c| in_progress.contains(&c.campaign.id) || self.is_open(&c.campaign.id))
                .filter_map(|c| {
                    Some((
                        c.campaign.id.clone(),
                        c.campaign.title.clone(),
                        self.source_of(&c.campaign.id)?,
                    ))
                })
                .collect();
            if self.add_catalogs(&name, &src).is_err() {
                continue;
            }
            let _ = drafts::save_catalog(&name, &src);
            for (id, title, (old_file, old_toml)) in olds {
                let old = grid_module::Source {
                    file: old_file,
                    toml: old_toml,
                    id: id.clone(),
                };
                let new = grid_module::Source {
                    file: name.clone(),
                    toml: src.clone(),
                    id: id.clone(),
                };
                let link = ctx.link().clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let res = grid_module::changes(&old, &new).await;
                    link.send_message(Msg::CatalogChanged(id, title, res));
                });
            }
        }
        self.rescore_open();
        if !errors.is_empty() && self.notice.is_none() {
            self.notice = Some(Notice {
                error: true,
                text: "Des référentiels publiés n'ont pas été chargés (les versions précédentes restent utilisées) :"
                    .into(),
                lines: errors,
            });
        }
        true
    }

    fn is_open(&self, id: &str) -> bool {
        matches!(&self.screen, Screen::Form(f) if f.catalog.campaign.id == id)
    }

    /// The open form takes the current version of its campaign (same answers).
    fn rescore_open(&mut self) {
        let Screen::Form(form) = &self.screen else {
            return;
        };
        let Some(catalog) = self.catalog(&form.catalog.campaign.id) else {
            return;
        };
        let Screen::Form(form) = &mut self.screen else {
            return;
        };
        if std::rc::Rc::ptr_eq(&catalog, &form.catalog) {
            return;
        }
        form.eval = evaluate(&catalog, &form.answers);
        form.gains = best_gains(&catalog, &form.answers, &form.eval);
        form.catalog = catalog;
    }

    /// The changes of a campaign with a draft in progress: the notice.
    pub(super) fn catalog_changed(
        &mut self,
        id: String,
        title: String,
        res: Result<String, String>,
    ) -> bool {
        let lines: Vec<String> = match res {
            Ok(text) if text.is_empty() => return false,
            Ok(text) => text.lines().map(String::from).collect(),
            Err(e) => vec![format!("détail des changements indisponible : {e}")],
        };
        let text = format!(
            "Nouvelle version du référentiel « {title} » ({id}) publiée par l'agence. \
             Votre brouillon est conservé tel quel ; le score est recalculé avec cette version. Changements :"
        );
        match &mut self.notice {
            Some(n) if !n.error && n.text.starts_with("Nouvelle version du référentiel") => {
                n.lines.push(text);
                n.lines.extend(lines);
            }
            _ => {
                self.notice = Some(Notice {
                    error: false,
                    text,
                    lines,
                })
            }
        }
        true
    }
}
