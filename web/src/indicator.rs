//! One card per indicator: code, title, target, period, help, the inputs of
//! its kind styled like the grid (pink: entered, green: computed, grey: not
//! applicable), status with justification, evidence checklist, comment.

use crate::app::{App, Form, Msg};
use crate::fields::{
    checked, field_id, input_value, parse_value, target_text, value_text, with_unit,
};
use caqes_engine::{
    Answers, DeclaredStatus, Indicator, IndicatorAnswer, Measure, Number, Origin, Role, Status,
};
use std::rc::Rc;
use yew::html::Scope;
use yew::prelude::*;

fn points_label(ind: &Indicator) -> String {
    let p = ind.points.to_french_auto();
    let s = if ind.points > Number::ONE { "s" } else { "" };
    match ind.role {
        Role::Scored => format!("{p} point{s}"),
        Role::Bonus => format!("bonus : {p} point{s}"),
        Role::Information => "à titre d'information".into(),
    }
}

/// The card of `ind`.
pub fn view(ind: &Indicator, form: &Form, link: &Scope<App>) -> Html {
    let id = ind.id.clone();
    let res = form.eval.indicator(&ind.id);
    let ans = form
        .answers
        .indicators
        .get(ind.id.as_str())
        .cloned()
        .unwrap_or_default();
    let status = res.map(|r| r.status).unwrap_or(Status::Renseigne);
    let automatic = res.is_some_and(|r| r.origin == Origin::Automatic);
    let declared = ans.status.unwrap_or_default();
    let na = status != Status::Renseigne;
    let card_id = format!("card-{id}");
    let h_id = format!("h-{id}");

    let status_radio =
        |s: DeclaredStatus, label: &'static str, code: &'static str, allowed: bool| {
            let rid = if s == DeclaredStatus::Renseigne {
                field_id(&[&id, "status"])
            } else {
                field_id(&[&id, "status", code])
            };
            let is_on = if automatic {
                match s {
                    DeclaredStatus::Renseigne => false,
                    DeclaredStatus::NonConcerne => status == Status::NonConcerne,
                    DeclaredStatus::NonMesurable => status == Status::NonMesurable,
                }
            } else {
                declared == s
            };
            let cb = {
                let id = id.clone();
                link.callback(move |_e: Event| {
                    on_answer_msg(&id, move |a| {
                        a.status = (s != DeclaredStatus::Renseigne).then_some(s);
                    })
                })
            };
            html! {
                <label class="check" for={rid.clone()}>
                    <input type="radio" id={rid} name={format!("status-{id}")} checked={is_on}
                        disabled={automatic || (!allowed && !is_on)} onchange={cb} />
                    { label }
                </label>
            }
        };

    let auto_note = automatic.then(|| {
        html! { <p class="auto-note">{ format!("{} automatiquement d'après l'identification de l'établissement.", status.label()) }</p> }
    });
    let justification = (!automatic && declared != DeclaredStatus::Renseigne).then(|| {
        let jid = field_id(&[&id, "justification"]);
        let idc = id.clone();
        html! {
            <div class="field">
                <label for={jid.clone()}>{ "Justification (obligatoire)" }</label>
                <textarea id={jid} class="grid-input" rows="2" value={ans.justification.clone()}
                    oninput={link.callback(move |e: InputEvent| {
                        let v = input_value(&e);
                        on_answer_msg(&idc, move |a| a.justification = v.clone())
                    })} />
            </div>
        }
    });

    let inputs = ind.measure.inputs();
    let input_fields = inputs.iter().map(|inp| {
        let fid = field_id(&[&id, inp.id()]);
        let key = format!("{id}/{}", inp.id());
        let shown = form
            .raw
            .get(&key)
            .cloned()
            .unwrap_or_else(|| ans.inputs.get(inp.id()).map(value_text).unwrap_or_default());
        let help_id = format!("{fid}-help");
        let has_help = !inp.help().is_empty();
        let placeholder = inp.prefill().map(|p| match p.split_once('.') {
            // Another indicator's input: name it by its code.
            Some((other, _)) => {
                let code = form.catalog.indicator(other).map_or(other, |o| o.code.as_str());
                format!("repris de {code} si vide")
            }
            None => format!("prérempli ({p})"),
        });
        let cb = {
            let id = id.clone();
            let input_id = inp.id().to_string();
            link.callback(move |e: InputEvent| {
                let v = input_value(&e);
                let id = id.clone();
                let input_id = input_id.clone();
                let parsed = parse_value(&v);
                Msg::Raw(
                    format!("{id}/{input_id}"),
                    v,
                    Rc::new(move |a: &mut Answers| {
                        let ia = a.indicators.entry(id.to_string()).or_default();
                        match &parsed {
                            Some(v) => ia.inputs.insert(input_id.clone(), v.clone()),
                            None => ia.inputs.remove(&input_id),
                        };
                    }),
                )
            })
        };
        // A figure the agency supplies: the establishment may still type an estimate.
        let provided = inp.provided_by();
        let provided_id = format!("{fid}-provided");
        let described: Vec<&str> = [
            has_help.then_some(help_id.as_str()),
            provided.is_some().then_some(provided_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let described = (!described.is_empty()).then(|| described.join(" "));
        html! {
            <div class="field">
                <label for={fid.clone()}>{ inp.label() }<span class="unit">{ format!(" ({})", inp.unit().label()) }</span>
                    if let Some(p) = provided { <span class="provided">{ format!(" — {}", p.label()) }</span> }
                </label>
                <input id={fid} class="grid-input" type="text" inputmode="decimal" autocomplete="off"
                    value={shown} disabled={na} placeholder={placeholder}
                    aria-describedby={described} oninput={cb} />
                if has_help { <p class="hint" id={help_id}>{ inp.help() }</p> }
                if let Some(p) = provided {
                    <p class="hint provided" id={provided_id}>{ format!(
                        "{} pour l'évaluation officielle ; vous pouvez saisir une estimation pour simuler votre score.",
                        p.motif().replacen("donnée", "Donnée", 1)
                    ) }</p>
                }
            </div>
        }
    });

    let criteria = match &ind.measure {
        Measure::Criteria { criteria } => Some(html! {
            <fieldset class="checks" disabled={na}>
                <legend>{ "Critères remplis" }</legend>
                { for criteria.iter().map(|c| {
                    let cid = field_id(&[&id, &c.id]);
                    let on = ans.criteria.get(&c.id).copied().unwrap_or(false);
                    let idc = id.clone();
                    let crit = c.id.clone();
                    let cb = link.callback(move |e: Event| {
                        let v = checked(&e);
                        let crit = crit.clone();
                        on_answer_msg(&idc, move |a| { a.criteria.insert(crit.clone(), v); })
                    });
                    let s = if c.points > Number::ONE { "s" } else { "" };
                    html! {
                        <label class="check" for={cid.clone()}>
                            <input type="checkbox" id={cid} checked={on} onchange={cb} />
                            { format!("{} ({} point{s})", c.label, c.points.to_french_auto()) }
                        </label>
                    }
                }) }
            </fieldset>
        }),
        _ => None,
    };

    let personal = ind.measure.target().filter(|t| t.personalised).map(|t| {
        let fid = field_id(&[&id, "target"]);
        let key = format!("{id}/target");
        let shown = form.raw.get(&key).cloned().unwrap_or_else(|| {
            ans.target
                .map(|n| n.to_decimal_string(6).replace('.', ","))
                .unwrap_or_default()
        });
        let idc = id.clone();
        let cb = link.callback(move |e: InputEvent| {
            let v = input_value(&e);
            let parsed = Number::parse(v.trim());
            let idc = idc.clone();
            Msg::Raw(
                format!("{idc}/target"),
                v,
                Rc::new(move |a: &mut Answers| {
                    a.indicators.entry(idc.to_string()).or_default().target = parsed;
                }),
            )
        });
        html! {
            <div class="field">
                <label for={fid.clone()}>{ format!("Objectif personnalisé de l'établissement ({})", t.unit.label()) }</label>
                <input id={fid} class="grid-input" type="text" inputmode="decimal" value={shown} disabled={na} oninput={cb} />
            </div>
        }
    });

    let computed = res.filter(|r| ind.role != Role::Information || r.value.is_some()).map(|r| {
        let unit = r.unit;
        let dash = || "—".to_string();
        html! {
            <dl class={classes!("computed", na.then_some("na"))} aria-label="Résultats calculés">
                if ind.role != Role::Information || r.value.is_some() {
                    <div><dt>{ "Valeur calculée" }</dt><dd id={format!("v-{id}")}>{ r.value.map(|v| with_unit(v, unit)).unwrap_or_else(dash) }</dd></div>
                }
                if ind.role != Role::Information {
                    <div><dt>{ "Objectif appliqué" }</dt><dd>{ r.target.map(|v| with_unit(v, unit)).unwrap_or_else(dash) }</dd></div>
                    <div><dt>{ "Objectif atteint" }</dt><dd>{ match r.met { Some(true) => "Oui", Some(false) => "Non", None => "—" } }</dd></div>
                    <div><dt>{ "Part des points" }</dt><dd>{ r.share.map(|s| s.mul(Number::HUNDRED).map(|p| format!("{} %", p.to_french(2))).unwrap_or_default()).unwrap_or_else(dash) }</dd></div>
                    <div><dt>{ "Points après redistribution" }</dt><dd id={format!("w-{id}")} data-value={r.weight.to_decimal_string(6)}>{ r.weight.to_french_auto() }</dd></div>
                    <div><dt>{ "Points obtenus" }</dt><dd id={format!("p-{id}")} data-value={r.points.to_decimal_string(6)}>{ r.points.to_french_auto() }</dd></div>
                }
            </dl>
        }
    });

    let evidence = (!ind.evidence.is_empty()).then(|| {
        html! {
            <fieldset class="checks" id={field_id(&[&id, "evidence"])} tabindex="-1">
                <legend>{ "Éléments de preuve fournis" }</legend>
                { for ind.evidence.iter().map(|ev| {
                    let eid = field_id(&[&id, "evidence", &ev.id]);
                    let on = ans.evidence.contains(&ev.id);
                    let idc = id.clone();
                    let evid = ev.id.clone();
                    let cb = link.callback(move |e: Event| {
                        let v = checked(&e);
                        let evid = evid.clone();
                        on_answer_msg(&idc, move |a| {
                            a.evidence.retain(|x| *x != evid);
                            if v { a.evidence.push(evid.clone()); }
                        })
                    });
                    html! {
                        <label class="check" for={eid.clone()}>
                            <input type="checkbox" id={eid} checked={on} onchange={cb} />
                            { &ev.label }
                        </label>
                    }
                }) }
            </fieldset>
        }
    });

    let comment_id = field_id(&[&id, "comment"]);
    let idc = id.clone();
    let comment_cb = link.callback(move |e: InputEvent| {
        let v = input_value(&e);
        on_answer_msg(&idc, move |a| a.comment = v.clone())
    });

    let target = ind.measure.target().map(target_text);
    // Optional parts are `{ x.unwrap_or_default() }` (an empty placeholder when
    // absent), never `{ for x }`: Yew matches unkeyed children from the end, so
    // a child appearing in the middle (the justification after "Non concerné")
    // would recreate every child before it, and the focused radio lose focus.
    html! {
        <article class={classes!("card", na.then_some("card-na"))} id={card_id} tabindex="-1" aria-labelledby={h_id.clone()}>
            <header class="card-head">
                <h3 id={h_id}><span class="code">{ ind.code.as_str() }</span>{ " " }{ &ind.title }</h3>
                <span class="badge">{ points_label(ind) }</span>
                <span class={classes!("status-badge", na.then_some("na"))} id={format!("s-{id}")}>{ status.label() }</span>
            </header>
            <dl class="meta">
                <div><dt>{ "Type" }</dt><dd>{ ind.measure.kind_label() }</dd></div>
                if let Some(t) = target { <div><dt>{ "Objectif" }</dt><dd>{ t }</dd></div> }
                if !ind.period.is_empty() { <div><dt>{ "Période" }</dt><dd>{ &ind.period }</dd></div> }
            </dl>
            if !ind.help.is_empty() { <p class="help">{ &ind.help }</p> }
            if !ind.assumed.is_empty() {
                <p class="assumed" id={format!("assumed-{id}")}>
                    <span class="badge badge-suppose" title={ind.assumed.join(" ; ")}>{ caqes_engine::SUPPOSE }</span>
                    { " Non donné par les sources : " }{ ind.assumed.join(" ; ") }
                </p>
            }
            <fieldset class="status">
                <legend>{ "Statut" }</legend>
                { status_radio(DeclaredStatus::Renseigne, DeclaredStatus::Renseigne.label(), "renseigne", true) }
                { status_radio(DeclaredStatus::NonConcerne, DeclaredStatus::NonConcerne.label(), "non_concerne", ind.nc_allowed) }
                { status_radio(DeclaredStatus::NonMesurable, DeclaredStatus::NonMesurable.label(), "non_mesurable", ind.nm_allowed) }
            </fieldset>
            { auto_note.unwrap_or_default() }
            { justification.unwrap_or_default() }
            <div class={classes!("inputs", na.then_some("na"))}>
                { for input_fields }
                { criteria.unwrap_or_default() }
                { personal.unwrap_or_default() }
            </div>
            { computed.unwrap_or_default() }
            { evidence.unwrap_or_default() }
            <div class="field">
                <label for={comment_id.clone()}>{ "Commentaire" }</label>
                <textarea id={comment_id} class="grid-input" rows="2" value={ans.comment.clone()} oninput={comment_cb} />
            </div>
        </article>
    }
}

fn on_answer_msg(id: &str, f: impl Fn(&mut IndicatorAnswer) + 'static) -> Msg {
    let id = id.to_string();
    Msg::Edit(Rc::new(move |a: &mut Answers| {
        f(a.indicators.entry(id.clone()).or_default())
    }))
}
