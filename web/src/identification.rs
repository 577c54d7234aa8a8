//! Identification step: FINESS (with its check key), name, département,
//! legal status, funding, categories, beds, places, the catalog's own
//! questions and the previous year's score. These answers drive the
//! automatic "non concerné" of indicators (in the engine).

use crate::app::{App, Msg};
use crate::fields::{event_value, field_id, input_value, value_text};
use crate::form::{code_of_status, Action, EstablishmentEdit, Form};
use caqes_engine::{finess_is_valid, Category, Funding, LegalStatus, QuestionKind, Status};
use yew::html::Scope;
use yew::prelude::*;

/// A callback of an input event as an identification edit.
fn on_input(
    link: &Scope<App>,
    f: impl Fn(String) -> EstablishmentEdit + 'static,
) -> Callback<InputEvent> {
    link.callback(move |e: InputEvent| Msg::Form(Action::Establishment(f(input_value(&e)))))
}

/// A callback of a change event (selects) as an identification edit.
fn on_change(
    link: &Scope<App>,
    f: impl Fn(String) -> EstablishmentEdit + 'static,
) -> Callback<Event> {
    link.callback(move |e: Event| Msg::Form(Action::Establishment(f(event_value(&e)))))
}

fn raw_or(form: &Form, key: &str, stored: String) -> String {
    form.raw.get(key).cloned().unwrap_or(stored)
}

/// The identification panel.
pub fn view(form: &Form, link: &Scope<App>) -> Html {
    html! {
        <>
        <h2 id="h-identification">{ "Identification de l'établissement" }</h2>
        <p class="help">{ "Ces réponses déterminent les indicateurs dont l'établissement est automatiquement non concerné." }</p>
        { establishment(form, link) }
        { categories(form, link) }
        if !form.catalog.identification.is_empty() {
            <h3>{ "Questions de la campagne" }</h3>
            { for form.catalog.identification.iter().map(|q| question(form, q, link)) }
        }
        { auto_nc(form) }
        if !form.catalog.volets.is_empty() {
            <button type="button" class="no-print" onclick={link.callback(|_| Msg::Form(Action::Tab(1)))}>{ "Continuer vers les indicateurs" }</button>
        }
        </>
    }
}

/// FINESS, name, département, legal status, funding, beds, places and the
/// previous year's score (when the campaign needs it).
fn establishment(form: &Form, link: &Scope<App>) -> Html {
    let est = &form.answers.establishment;
    let beds = raw_or(
        form,
        "establishment/beds",
        est.beds.map(|b| b.to_string()).unwrap_or_default(),
    );
    let places = raw_or(
        form,
        "establishment/places",
        est.places.map(|b| b.to_string()).unwrap_or_default(),
    );
    let prev = raw_or(
        form,
        "previous_score",
        form.answers
            .previous_score
            .map(|n| n.to_decimal_string(6).replace('.', ","))
            .unwrap_or_default(),
    );
    html! {
        <div class="grid2">
            <div class="field">
                <label for="f-establishment-finess">{ "Numéro FINESS" }</label>
                <input id="f-establishment-finess" class="grid-input" type="text" inputmode="numeric" autocomplete="off" maxlength="9"
                    aria-describedby="finess-check" value={est.finess.clone()}
                    oninput={on_input(link, EstablishmentEdit::Finess)} />
                { finess_check(est.finess.trim()) }
            </div>
            <div class="field">
                <label for="f-establishment-name">{ "Nom de l'établissement" }</label>
                <input id="f-establishment-name" class="grid-input" type="text" autocomplete="organization" value={est.name.clone()}
                    oninput={on_input(link, EstablishmentEdit::Name)} />
            </div>
            <div class="field">
                <label for="f-establishment-departement">{ "Département" }</label>
                <input id="f-establishment-departement" class="grid-input" type="text" maxlength="3" value={est.departement.clone()}
                    oninput={on_input(link, EstablishmentEdit::Departement)} />
            </div>
            { legal_status(est.legal_status, link) }
            { funding(est.funding, link) }
            <div class="field">
                <label for="f-establishment-beds">{ "Nombre de lits" }</label>
                <input id="f-establishment-beds" class="grid-input" type="text" inputmode="numeric" value={beds}
                    oninput={on_input(link, EstablishmentEdit::Beds)} />
            </div>
            <div class="field">
                <label for="f-establishment-places">{ "Nombre de places" }</label>
                <input id="f-establishment-places" class="grid-input" type="text" inputmode="numeric" value={places}
                    oninput={on_input(link, EstablishmentEdit::Places)} />
            </div>
            if form.catalog.needs_previous_score() {
                <div class="field">
                    <label for="f-previous_score">{ format!("Score arrondi de l'année précédente ({})", form.catalog.campaign.year - 1) }</label>
                    <input id="f-previous_score" class="grid-input" type="text" inputmode="decimal" value={prev}
                        oninput={on_input(link, EstablishmentEdit::PreviousScore)} />
                </div>
            }
        </div>
    }
}

/// Whether the FINESS typed is valid (its check key).
fn finess_check(finess: &str) -> Html {
    if finess.is_empty() {
        html! { <p class="hint" id="finess-check">{ "9 caractères ; le dernier est une clé de contrôle." }</p> }
    } else if finess_is_valid(finess) {
        html! { <p class="hint ok" id="finess-check">{ "✓ Numéro FINESS valide." }</p> }
    } else {
        html! { <p class="hint bad" id="finess-check">{ "✗ Numéro FINESS invalide : 9 caractères (2A/2B pour la Corse) dont une clé de contrôle." }</p> }
    }
}

/// « Statut juridique ».
fn legal_status(legal: Option<LegalStatus>, link: &Scope<App>) -> Html {
    html! {
        <div class="field">
            <label for="f-establishment-legal_status">{ "Statut juridique" }</label>
            <select id="f-establishment-legal_status" class="grid-input"
                onchange={on_change(link, EstablishmentEdit::LegalStatus)}>
                <option value="" selected={legal.is_none()}>{ "— choisir —" }</option>
                { for LegalStatus::ALL.iter().map(|s| html! {
                    <option value={code_of_status(*s)} selected={legal == Some(*s)}>{ s.label() }</option>
                }) }
            </select>
        </div>
    }
}

/// « Catégorie de financement » (by default from the legal status).
fn funding(funding: Option<Funding>, link: &Scope<App>) -> Html {
    html! {
        <div class="field">
            <label for="f-establishment-funding">{ "Catégorie de financement" }</label>
            <select id="f-establishment-funding" class="grid-input"
                onchange={on_change(link, EstablishmentEdit::Funding)}>
                <option value="" selected={funding.is_none()}>{ "Selon le statut (public, ESPIC : ex-DG ; privé : ex-OQN)" }</option>
                <option value="ex_dg" selected={funding == Some(Funding::ExDg)}>{ Funding::ExDg.label() }</option>
                <option value="ex_oqn" selected={funding == Some(Funding::ExOqn)}>{ Funding::ExOqn.label() }</option>
            </select>
        </div>
    }
}

/// « Catégories d'activité »: one checkbox per category.
fn categories(form: &Form, link: &Scope<App>) -> Html {
    let est = &form.answers.establishment;
    html! {
        <fieldset id="f-establishment-categories" class="checks" tabindex="-1">
            <legend>{ "Catégories d'activité" }</legend>
            { for Category::ALL.iter().map(|cat| {
                let cat = *cat;
                let id = format!("f-establishment-categories-{}", code_of_category(cat));
                let on = est.categories.contains(&cat);
                let cb = link.callback(move |e: Event| {
                    Msg::Form(Action::Establishment(EstablishmentEdit::Category(cat, crate::fields::checked(&e))))
                });
                html! {
                    <label class="check" for={id.clone()}>
                        <input type="checkbox" id={id} checked={on} onchange={cb} />
                        { cat.label() }
                    </label>
                }
            }) }
        </fieldset>
    }
}

/// The indicators these answers make NC / NM automatically.
fn auto_nc(form: &Form) -> Html {
    let auto: Vec<&str> = form
        .eval
        .indicators
        .iter()
        .filter(|r| r.origin == caqes_engine::Origin::Automatic && r.status != Status::Renseigne)
        .map(|r| r.code.as_str())
        .collect();
    html! {
        <p class="help" id="auto-nc">
            if auto.is_empty() {
                { "Aucun indicateur n'est automatiquement non concerné ou non mesurable." }
            } else {
                { format!("Automatiquement non concerné ou non mesurable d'après ces réponses : {}.", auto.join(", ")) }
            }
        </p>
    }
}

fn question(form: &Form, q: &caqes_engine::Question, link: &Scope<App>) -> Html {
    let id = field_id(&["establishment", "answers", &q.id]);
    let current = form.answers.establishment.answers.get(&q.id).cloned();
    let help_id = format!("{id}-help");
    let help = (!q.help.is_empty())
        .then(|| html! { <p class="hint" id={help_id.clone()}>{ &q.help }</p> });
    let described = (!q.help.is_empty()).then(|| help_id.clone());
    let set = {
        let qid = q.id.clone();
        move |text: String| EstablishmentEdit::Question {
            id: qid.clone(),
            text,
        }
    };
    let control = match q.kind {
        QuestionKind::Bool => {
            let cur = current.as_ref().and_then(|v| v.as_bool());
            html! {
                <select id={id.clone()} class="grid-input" aria-describedby={described}
                    onchange={on_change(link, set)}>
                    <option value="" selected={cur.is_none()}>{ "— choisir —" }</option>
                    <option value="oui" selected={cur == Some(true)}>{ "Oui" }</option>
                    <option value="non" selected={cur == Some(false)}>{ "Non" }</option>
                </select>
            }
        }
        QuestionKind::Choice => {
            let cur = current
                .as_ref()
                .and_then(|v| v.as_str())
                .map(str::to_string);
            html! {
                <select id={id.clone()} class="grid-input" aria-describedby={described}
                    onchange={on_change(link, set)}>
                    <option value="" selected={cur.is_none()}>{ "— choisir —" }</option>
                    { for q.options.iter().map(|o| html! {
                        <option value={o.id.clone()} selected={cur.as_deref() == Some(o.id.as_str())}>{ &o.label }</option>
                    }) }
                </select>
            }
        }
        QuestionKind::Integer => {
            let key = format!("establishment/answers/{}", q.id);
            let shown = raw_or(
                form,
                &key,
                current.as_ref().map(value_text).unwrap_or_default(),
            );
            html! {
                <input id={id.clone()} class="grid-input" type="text" inputmode="numeric" value={shown} aria-describedby={described}
                    oninput={on_input(link, set)} />
            }
        }
        QuestionKind::Text => {
            let cur = current
                .as_ref()
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            html! {
                <input id={id.clone()} class="grid-input" type="text" value={cur} aria-describedby={described}
                    oninput={on_input(link, set)} />
            }
        }
    };
    html! {
        <div class="field">
            <label for={id}>{ &q.label }</label>
            { control }
            { help.unwrap_or_default() }
        </div>
    }
}

fn code_of_category(c: Category) -> &'static str {
    match c {
        Category::Mco => "mco",
        Category::Had => "had",
        Category::Dialyse => "dialyse",
        Category::Ssr => "ssr",
        Category::Psy => "psy",
        Category::Usld => "usld",
    }
}
