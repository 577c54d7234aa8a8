//! The score panel, always visible: total and per-volet score, bonus,
//! threshold and verdict with its reason, points missing, best gains, and
//! the problems (click to focus the field).

use crate::app::{App, Msg};
use crate::fields::{field_id, Shared};
use crate::form::{Action, Form};
use caqes_engine::{labels, Catalog, Problem, Severity, State};
use std::rc::Rc;
use yew::html::Scope;
use yew::prelude::*;

/// The unit of the score: « % » or « points ».
pub(crate) fn unit(form: &Form) -> &'static str {
    labels::score_unit(&form.catalog)
}

/// The panel.
pub fn view(form: &Form, link: &Scope<App>, dispatch: &Callback<Action>) -> Html {
    let e = &form.eval;
    let c = &form.catalog;
    let d = c.campaign.rounding.decimals;
    let u = unit(form);
    let verdict = (
        labels::verdict_title(e.verdict.interesse),
        if e.verdict.interesse == Some(true) {
            "ok"
        } else {
            "ko"
        },
    );
    let provisional = e.verdict.provisional.then_some(labels::PROVISIONAL);
    let state = match e.state {
        State::Complete => "Saisie complète",
        State::Incomplete => "Saisie incomplète : score provisoire",
        State::Invalid => "Saisie invalide : score provisoire",
    };
    html! {
        <>
        <h2 id="h-score">{ "Score" }</h2>
        <p class="total">
            <span id="score-total" data-value={e.total_rounded.map(|n| n.to_decimal_string(6)).unwrap_or_default()}>
                { e.total_rounded.map(|n| format!("{}{u}", n.to_french(d))).unwrap_or_else(|| "—".into()) }
            </span>
        </p>
        if !c.campaign.rounding_note.is_empty() {
            <p class="hint" id="rounding-note">{ &c.campaign.rounding_note }</p>
        }
        <p class={classes!("state", (e.state != State::Complete).then_some("warn"))} id="score-state">{ state }</p>
        <p class={classes!("verdict", verdict.1)} id="verdict" data-value={e.verdict.interesse.map(|b| b.to_string()).unwrap_or_default()}>
            { verdict.0 }{ for provisional }
        </p>
        <p class="reason" id="verdict-reason">{ &e.verdict.reason }</p>
        <dl class="figures">
            <div><dt>{ "Score avant bonus" }</dt><dd id="score-base">{ e.score.map(|n| format!("{}{u}", n.to_french(2))).unwrap_or_else(|| "—".into()) }</dd></div>
            <div><dt>{ "Bonus" }</dt><dd id="score-bonus">{ labels::points_text(&e.bonus.to_french_auto(), &e.bonus_max.to_french_auto()) }</dd></div>
            <div><dt>{ "Seuil d'intéressement" }</dt><dd id="score-threshold">{ e.verdict.threshold.map(|n| format!("{}{u}", n.to_french(d))).unwrap_or_else(|| "—".into()) }</dd></div>
            <div><dt>{ "Points manquants" }</dt><dd id="score-missing">{ e.verdict.missing.map(|n| n.to_french_auto()).unwrap_or_else(|| "—".into()) }</dd></div>
        </dl>
        <h3>{ "Par volet" }</h3>
        <table class="volets">
            <thead><tr><th scope="col">{ "Volet" }</th><th scope="col">{ "Score" }</th><th scope="col">{ "Points" }</th></tr></thead>
            <tbody>
            { for e.volets.iter().enumerate().map(|(i, v)| {
                let n = i + 1;
                html! {
                    <tr>
                        <th scope="row"><button type="button" class="link" title={v.title.to_string()} onclick={link.callback(move |_| Msg::Form(Action::Tab(n)))}>{ volet_label(c, i, &v.title) }</button></th>
                        <td>{ v.score.map(|s| format!("{} %", s.to_french(1))).unwrap_or_else(|| "—".into()) }</td>
                        <td>{ labels::points_text(&v.points.to_french(2), &v.weight.to_french(2)) }</td>
                    </tr>
                }
            }) }
            </tbody>
        </table>
        <h3>{ "Indicateurs qui rapporteraient le plus" }</h3>
        if form.gains.is_empty() {
            <p class="hint">{ "Aucun gain possible calculé." }</p>
        } else {
            <ol class="gains" id="gains">
            { for form.gains.iter().map(|g| {
                let tab = tab_of(c, Some(&g.id));
                let ids = vec![format!("card-{}", g.id)];
                html! {
                    <li>
                        <button type="button" class="link" onclick={link.callback(move |_| Msg::Form(Action::Focus { tab, ids: ids.clone() }))}>
                            { format!("{} : +{}{u}", g.code, g.points.to_french(2)) }
                        </button>
                    </li>
                }
            }) }
            </ol>
        }
        <ProblemList catalog={Shared(Rc::clone(c))} problems={e.problems.clone()} dispatch={dispatch.clone()} />
        </>
    }
}

/// The props of [`ProblemList`]: compared by value (the catalog by pointer),
/// so that the list is rendered again only when the problems change, not on
/// every keystroke.
#[derive(Properties, PartialEq)]
pub struct ProblemsProps {
    /// The open catalog.
    pub catalog: Shared<Catalog>,
    /// The evaluation's problems.
    pub problems: Vec<Problem>,
    /// The form's actions.
    pub dispatch: Callback<Action>,
}

/// « Points à vérifier »: one button per problem, which focuses its field.
pub struct ProblemList;

impl Component for ProblemList {
    type Message = ();
    type Properties = ProblemsProps;

    fn create(_ctx: &Context<Self>) -> Self {
        ProblemList
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        problem_list(ctx.props())
    }
}

fn problem_list(props: &ProblemsProps) -> Html {
    let count = props.problems.len();
    html! {
        <>
        <h3 id="h-problems">{ format!("Points à vérifier ({count})") }</h3>
        if count == 0 {
            <p class="hint">{ "Aucun problème." }</p>
        } else {
            <ul class="problems" id="problems" aria-labelledby="h-problems">
            { for props.problems.iter().zip(problem_keys(&props.problems)).map(|(p, key)| html! {
                <ProblemItem {key} catalog={props.catalog.clone()} problem={p.clone()} dispatch={props.dispatch.clone()} />
            }) }
            </ul>
        }
        </>
    }
}

/// A key per problem, unique in the list: severity, indicator, field and
/// message, numbered from the second time the same problem appears. Keyed,
/// a problem that appears or goes leaves the other lines as they are (not
/// rendered again, since their props are equal); unkeyed, every line after
/// it would get its neighbour's problem and be rendered and written again.
fn problem_keys(problems: &[Problem]) -> Vec<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    problems
        .iter()
        .map(|p| {
            let key = format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}",
                p.severity.label(),
                p.indicator.as_deref().unwrap_or(""),
                p.field.as_deref().unwrap_or(""),
                p.message
            );
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            match *n {
                1 => key,
                n => format!("{key}\u{1f}{n}"),
            }
        })
        .collect()
}

/// The props of [`ProblemItem`].
#[derive(Properties, PartialEq)]
pub struct ProblemProps {
    /// The open catalog.
    pub catalog: Shared<Catalog>,
    /// The problem shown.
    pub problem: Problem,
    /// The form's actions.
    pub dispatch: Callback<Action>,
}

/// One line of « Points à vérifier »: a button that focuses the problem's field.
pub struct ProblemItem;

impl Component for ProblemItem {
    type Message = ();
    type Properties = ProblemProps;

    fn create(_ctx: &Context<Self>) -> Self {
        ProblemItem
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        problem_item(ctx.props())
    }
}

fn problem_item(props: &ProblemProps) -> Html {
    let (c, p) = (&*props.catalog, &props.problem);
    let tab = tab_of(c, p.indicator.as_deref());
    let mut ids = Vec::new();
    match (&p.indicator, &p.field) {
        (Some(i), Some(f)) => {
            ids.push(field_id(&[i, f]));
            ids.push(format!("card-{i}"));
        }
        (Some(i), None) => ids.push(format!("card-{i}")),
        (None, Some(f)) => ids.push(field_id(&[f])),
        (None, None) => {}
    }
    let code = p
        .indicator
        .as_deref()
        .and_then(|i| c.indicator(i))
        .map(|i| format!("{} : ", i.code))
        .unwrap_or_default();
    let class = match p.severity {
        Severity::Error => "sev-error",
        Severity::Missing => "sev-missing",
        Severity::Warning => "sev-warning",
    };
    html! {
        <li {class}>
            <button type="button" class="link" onclick={props.dispatch.reform(move |_| Action::Focus { tab, ids: ids.clone() })}>
                <span class="sev">{ format!("[{}] ", p.severity.label()) }</span>{ code }{ &p.message }
            </button>
        </li>
    }
}

fn tab_of(catalog: &Catalog, indicator: Option<&str>) -> usize {
    indicator
        .and_then(|i| catalog.indicator(i))
        .and_then(|ind| catalog.volets.iter().position(|v| v.id == ind.volet))
        .map(|p| p + 1)
        .unwrap_or(0)
}

/// The short label of volet `i` (code and short title, as on its tab).
fn volet_label(c: &caqes_engine::Catalog, i: usize, title: &str) -> String {
    match c.volets.get(i) {
        Some(v) => {
            let (code, short) = crate::nav::tab_label(v, i + 1);
            format!("{code} {short}")
        }
        None => title.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(severity: Severity, indicator: Option<&str>, message: &str) -> Problem {
        Problem {
            severity,
            indicator: indicator.map(Into::into),
            field: None,
            message: message.into(),
        }
    }

    #[test]
    fn problem_keys_are_unique_and_follow_the_problem() {
        let a = problem(Severity::Missing, Some("I.1"), "« N » non renseigné");
        let b = problem(Severity::Missing, Some("I.2"), "« N » non renseigné");
        let e = problem(Severity::Error, Some("I.2"), "« N » non renseigné");
        let keys = problem_keys(&[a.clone(), b.clone(), a.clone(), e.clone()]);
        let unique: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), 4, "{keys:?}");
        // A problem keeps its key when another one goes before it.
        assert_eq!(problem_keys(std::slice::from_ref(&b))[0], keys[1]);
        assert_eq!(problem_keys(&[e, a, b])[2], keys[1]);
    }
}
