//! One card per indicator: code, title, target, period, help, the inputs of
//! its kind styled like the grid (pink: entered, green: computed, grey: not
//! applicable), status with justification, evidence checklist, comment.

use crate::fields::{checked, field_id, input_value, target_text, value_text, with_unit, Shared};
use crate::form::{Action, Form, IndicatorEdit};
use caqes_engine::{
    Catalog, DeclaredStatus, Indicator, IndicatorAnswer, IndicatorResult, InputRef, Measure,
    Number, Origin, Role, Status,
};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
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

/// The props of [`IndicatorCard`]: the indicator (by its place in the shared
/// catalog), its answer, its result, the raw texts typed in its fields, and
/// the form's one dispatch callback (built once by the app). Compared by
/// value (the catalog by pointer), so that a keystroke in one card re-renders
/// that card only.
#[derive(Properties, PartialEq)]
pub struct CardProps {
    /// The open catalog.
    pub catalog: Shared<Catalog>,
    /// Index of the indicator in `catalog.indicators`.
    pub index: usize,
    /// Its answer (default when none).
    pub answer: IndicatorAnswer,
    /// Its result in the evaluation.
    pub result: Option<IndicatorResult>,
    /// Raw texts typed in its fields, by input id or `target` ([`Form::raw_of`](crate::form::Form::raw_of)).
    pub raw: BTreeMap<String, String>,
    /// The form's actions.
    pub dispatch: Callback<Action>,
}

/// The props of the card of `catalog.indicators[index]` in `form`.
pub fn card_props(form: &Form, index: usize, dispatch: &Callback<Action>) -> CardProps {
    let id = form
        .catalog
        .indicators
        .get(index)
        .map(|i| i.id.as_str())
        .unwrap_or_default();
    CardProps {
        catalog: Shared(Rc::clone(&form.catalog)),
        index,
        answer: form.answers.indicators.get(id).cloned().unwrap_or_default(),
        result: form.eval.indicator(id).cloned(),
        raw: form.raw_of(id),
        dispatch: dispatch.clone(),
    }
}

thread_local! {
    /// Renders of [`IndicatorCard`] since the last [`take_renders`].
    static RENDERS: Cell<u32> = const { Cell::new(0) };
}

/// How many indicator cards were rendered since the last call (reported by
/// `window.caqesTimings()` as `cards`).
pub fn take_renders() -> u32 {
    RENDERS.with(|r| r.replace(0))
}

/// An [`Action`] callback editing the answer of indicator `id`.
fn act<E: 'static>(
    dispatch: &Callback<Action>,
    id: &str,
    f: impl Fn(E) -> IndicatorEdit + 'static,
) -> Callback<E> {
    let id = id.to_string();
    dispatch.reform(move |e: E| Action::Indicator {
        id: id.clone(),
        edit: f(e),
    })
}

/// The card of one indicator.
pub struct IndicatorCard;

impl Component for IndicatorCard {
    type Message = ();
    type Properties = CardProps;

    fn create(_ctx: &Context<Self>) -> Self {
        IndicatorCard
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        card(ctx.props())
    }
}

/// One card being rendered: its props, its indicator and the status shown,
/// shared by the parts of the card (each a method returning one child of the
/// card, so the children and their order stay those of one `html!`).
struct Card<'a> {
    props: &'a CardProps,
    ind: &'a Indicator,
    id: &'a str,
    /// The status applied (declared or automatic).
    status: Status,
    /// NC / NM deduced from the identification (radios disabled).
    automatic: bool,
    /// The status declared by the establishment.
    declared: DeclaredStatus,
    /// Not « Renseigné »: inputs disabled and greyed.
    na: bool,
}

fn card(props: &CardProps) -> Html {
    RENDERS.with(|r| r.set(r.get() + 1));
    let Some(ind) = props.catalog.indicators.get(props.index) else {
        return Html::default();
    };
    let res = props.result.as_ref();
    let status = res.map(|r| r.status).unwrap_or(Status::Renseigne);
    let card = Card {
        props,
        ind,
        id: &ind.id,
        status,
        automatic: res.is_some_and(|r| r.origin == Origin::Automatic),
        declared: props.answer.status.unwrap_or_default(),
        na: status != Status::Renseigne,
    };
    card.view()
}

impl Card<'_> {
    /// An [`Action`] callback editing the answer of this card's indicator.
    fn act<E: 'static>(&self, f: impl Fn(E) -> IndicatorEdit + 'static) -> Callback<E> {
        act(&self.props.dispatch, self.id, f)
    }

    fn view(&self) -> Html {
        let (id, ind, na) = (self.id, self.ind, self.na);
        let h_id = format!("h-{id}");
        // Optional parts are `{ x.unwrap_or_default() }` (an empty placeholder when
        // absent), never `{ for x }`: Yew matches unkeyed children from the end, so
        // a child appearing in the middle (the justification after "Non concerné")
        // would recreate every child before it, and the focused radio lose focus.
        html! {
            <article class={classes!("card", na.then_some("card-na"))} id={format!("card-{id}")} tabindex="-1" aria-labelledby={h_id.clone()}>
                <header class="card-head">
                    <h3 id={h_id}><span class="code">{ ind.code.as_str() }</span>{ " " }{ &ind.title }</h3>
                    <span class="badge">{ points_label(ind) }</span>
                    <span class={classes!("status-badge", na.then_some("na"))} id={format!("s-{id}")}>{ self.status.label() }</span>
                </header>
                { self.meta() }
                if !ind.help.is_empty() { <p class="help">{ &ind.help }</p> }
                if !ind.assumed.is_empty() {
                    <p class="assumed" id={format!("assumed-{id}")}>
                        <span class="badge badge-suppose" title={ind.assumed.join(" ; ")}>{ caqes_engine::SUPPOSE }</span>
                        { " Non donné par les sources : " }{ ind.assumed.join(" ; ") }
                    </p>
                }
                { self.status_radios() }
                { self.auto_note() }
                { self.justification() }
                <div class={classes!("inputs", na.then_some("na"))}>
                    { for ind.measure.inputs().iter().map(|inp| self.input_field(inp)) }
                    { self.criteria() }
                    { self.personal_target() }
                </div>
                { self.computed() }
                { self.evidence() }
                { self.comment() }
            </article>
        }
    }

    /// Type, target and period.
    fn meta(&self) -> Html {
        let ind = self.ind;
        let target = ind.measure.target().map(target_text);
        html! {
            <dl class="meta">
                <div><dt>{ "Type" }</dt><dd>{ ind.measure.kind_label() }</dd></div>
                if let Some(t) = target { <div><dt>{ "Objectif" }</dt><dd>{ t }</dd></div> }
                if !ind.period.is_empty() { <div><dt>{ "Période" }</dt><dd>{ &ind.period }</dd></div> }
            </dl>
        }
    }

    /// « Statut »: Renseigné / Non concerné / Non mesurable.
    fn status_radios(&self) -> Html {
        let ind = self.ind;
        html! {
            <fieldset class="status">
                <legend>{ "Statut" }</legend>
                { self.status_radio(DeclaredStatus::Renseigne, "renseigne", true) }
                { self.status_radio(DeclaredStatus::NonConcerne, "non_concerne", ind.nc_allowed) }
                { self.status_radio(DeclaredStatus::NonMesurable, "non_mesurable", ind.nm_allowed) }
            </fieldset>
        }
    }

    /// The radio of status `s` (`code` in its id), disabled when the status
    /// is automatic or `s` not allowed (unless it is the one on).
    fn status_radio(&self, s: DeclaredStatus, code: &'static str, allowed: bool) -> Html {
        let id = self.id;
        let rid = if s == DeclaredStatus::Renseigne {
            field_id(&[id, "status"])
        } else {
            field_id(&[id, "status", code])
        };
        let is_on = if self.automatic {
            match s {
                DeclaredStatus::Renseigne => false,
                DeclaredStatus::NonConcerne => self.status == Status::NonConcerne,
                DeclaredStatus::NonMesurable => self.status == Status::NonMesurable,
            }
        } else {
            self.declared == s
        };
        let cb = self.act(move |_e: Event| IndicatorEdit::Status(s));
        html! {
            <label class="check" for={rid.clone()}>
                <input type="radio" id={rid} name={format!("status-{id}")} checked={is_on}
                    disabled={self.automatic || (!allowed && !is_on)} onchange={cb} />
                { s.label() }
            </label>
        }
    }

    /// Why the status is automatic (empty when declared).
    fn auto_note(&self) -> Html {
        if !self.automatic {
            return Html::default();
        }
        html! { <p class="auto-note">{ format!("{} automatiquement d'après l'identification de l'établissement.", self.status.label()) }</p> }
    }

    /// The justification of a declared NC / NM (empty otherwise).
    fn justification(&self) -> Html {
        if self.automatic || self.declared == DeclaredStatus::Renseigne {
            return Html::default();
        }
        let jid = field_id(&[self.id, "justification"]);
        html! {
            <div class="field">
                <label for={jid.clone()}>{ "Justification (obligatoire)" }</label>
                <textarea id={jid} class="grid-input" rows="2" value={self.props.answer.justification.clone()}
                    oninput={self.act(|e: InputEvent| IndicatorEdit::Justification(input_value(&e)))} />
            </div>
        }
    }

    /// One input of the measure (pink), with its unit, prefill placeholder,
    /// help and « fourni par l'agence » note.
    fn input_field(&self, inp: &InputRef<'_>) -> Html {
        let fid = field_id(&[self.id, inp.id()]);
        let shown = self.props.raw.get(inp.id()).cloned().unwrap_or_else(|| {
            self.props
                .answer
                .inputs
                .get(inp.id())
                .map(value_text)
                .unwrap_or_default()
        });
        let help_id = format!("{fid}-help");
        let has_help = !inp.help().is_empty();
        let placeholder = inp.prefill().map(|p| match p.split_once('.') {
            // Another indicator's input: name it by its code.
            Some((other, _)) => {
                let code = self
                    .props
                    .catalog
                    .indicator(other)
                    .map_or(other, |o| o.code.as_str());
                format!("repris de {code} si vide")
            }
            None => format!("prérempli ({p})"),
        });
        let cb = {
            let input = inp.id().to_string();
            self.act(move |e: InputEvent| IndicatorEdit::Input {
                input: input.clone(),
                text: input_value(&e),
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
                    value={shown} disabled={self.na} placeholder={placeholder}
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
    }

    /// « Critères remplis » of a criteria measure (empty for other kinds).
    fn criteria(&self) -> Html {
        let Measure::Criteria { criteria } = &self.ind.measure else {
            return Html::default();
        };
        let id = self.id;
        html! {
            <fieldset class="checks" disabled={self.na}>
                <legend>{ "Critères remplis" }</legend>
                { for criteria.iter().map(|c| {
                    let cid = field_id(&[id, &c.id]);
                    let on = self.props.answer.criteria.get(&c.id).copied().unwrap_or(false);
                    let crit = c.id.clone();
                    let cb = self.act(move |e: Event| IndicatorEdit::Criterion {
                        criterion: crit.clone(),
                        on: checked(&e),
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
        }
    }

    /// The establishment's own target, when the target is personalised.
    fn personal_target(&self) -> Html {
        let Some(t) = self.ind.measure.target().filter(|t| t.personalised) else {
            return Html::default();
        };
        let fid = field_id(&[self.id, "target"]);
        let shown = self.props.raw.get("target").cloned().unwrap_or_else(|| {
            self.props
                .answer
                .target
                .map(|n| n.to_decimal_string(6).replace('.', ","))
                .unwrap_or_default()
        });
        let cb = self.act(|e: InputEvent| IndicatorEdit::Target(input_value(&e)));
        html! {
            <div class="field">
                <label for={fid.clone()}>{ format!("Objectif personnalisé de l'établissement ({})", t.unit.label()) }</label>
                <input id={fid} class="grid-input" type="text" inputmode="decimal" value={shown} disabled={self.na} oninput={cb} />
            </div>
        }
    }

    /// The computed results (green): value, target, met, share, points.
    fn computed(&self) -> Html {
        let (id, ind) = (self.id, self.ind);
        let Some(r) = self
            .props
            .result
            .as_ref()
            .filter(|r| ind.role != Role::Information || r.value.is_some())
        else {
            return Html::default();
        };
        let unit = r.unit;
        let dash = || "—".to_string();
        html! {
            <dl class={classes!("computed", self.na.then_some("na"))} aria-label="Résultats calculés">
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
    }

    /// « Éléments de preuve fournis » (empty when the indicator asks none).
    fn evidence(&self) -> Html {
        let (id, ind) = (self.id, self.ind);
        if ind.evidence.is_empty() {
            return Html::default();
        }
        html! {
            <fieldset class="checks" id={field_id(&[id, "evidence"])} tabindex="-1">
                <legend>{ "Éléments de preuve fournis" }</legend>
                { for ind.evidence.iter().map(|ev| {
                    let eid = field_id(&[id, "evidence", &ev.id]);
                    let on = self.props.answer.evidence.contains(&ev.id);
                    let evid = ev.id.clone();
                    let cb = self.act(move |e: Event| IndicatorEdit::Evidence {
                        evidence: evid.clone(),
                        on: checked(&e),
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
    }

    /// « Commentaire ».
    fn comment(&self) -> Html {
        let comment_id = field_id(&[self.id, "comment"]);
        let cb = self.act(|e: InputEvent| IndicatorEdit::Comment(input_value(&e)));
        html! {
            <div class="field">
                <label for={comment_id.clone()}>{ "Commentaire" }</label>
                <textarea id={comment_id} class="grid-input" rows="2" value={self.props.answer.comment.clone()} oninput={cb} />
            </div>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caqes_engine::Answers;

    /// How many cards' props differ between two states of the form (Yew
    /// renders again exactly those cards).
    fn changed(before: &[CardProps], form: &Form, dispatch: &Callback<Action>) -> Vec<usize> {
        (0..form.catalog.indicators.len())
            .filter(|&k| before[k] != card_props(form, k, dispatch))
            .collect()
    }

    #[test]
    fn a_keystroke_changes_the_props_of_one_card_only() {
        let catalog = crate::bundled()
            .iter()
            .find(|c| c.campaign.id == "occitanie-vo-2019")
            .cloned()
            .expect("bundled catalog");
        let answers = Answers {
            catalog: "occitanie-vo-2019".into(),
            ..Answers::default()
        };
        let mut form = Form::new(Rc::new(catalog), answers);
        let dispatch = Callback::from(|_: Action| ());
        let n = form.catalog.indicators.len();
        let props = |form: &Form| -> Vec<CardProps> {
            (0..n).map(|k| card_props(form, k, &dispatch)).collect()
        };
        // Built twice from the same state: equal (nothing is rebuilt per render).
        let before = props(&form);
        assert!(changed(&before, &form, &dispatch).is_empty());
        // A keystroke in the rate of the first card: that card only.
        let (k, id, input) = form
            .catalog
            .indicators
            .iter()
            .enumerate()
            .find_map(|(k, i)| {
                let inputs = i.measure.inputs();
                inputs
                    .first()
                    .map(|x| (k, i.id.to_string(), x.id().to_string()))
            })
            .expect("an indicator with inputs");
        for text in ["1", "12"] {
            let before = props(&form);
            form.apply(Action::Indicator {
                id: id.clone(),
                edit: IndicatorEdit::Input {
                    input: input.clone(),
                    text: text.into(),
                },
            });
            assert_eq!(changed(&before, &form, &dispatch), vec![k], "typing {text}");
        }
        // « Non concerné »: the points are redistributed, so the cards whose
        // weight moves change too, and only for that reason.
        let before = props(&form);
        form.apply(Action::Indicator {
            id: id.clone(),
            edit: IndicatorEdit::Status(caqes_engine::DeclaredStatus::NonConcerne),
        });
        let moved = changed(&before, &form, &dispatch);
        assert!(moved.len() > 1, "{moved:?}");
        let weight = |p: &CardProps| p.result.as_ref().map(|r| r.weight);
        for m in moved.into_iter().filter(|&m| m != k) {
            assert_ne!(weight(&before[m]), weight(&card_props(&form, m, &dispatch)));
        }
    }
}
