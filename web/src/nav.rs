//! Navigation through many indicators: short tab labels (code and short
//! title) with the progress of each volet (« 12/15 renseignés »), the button
//! « Aller au prochain indicateur à compléter », and the score panel that
//! folds away on narrow screens.
//!
//! An indicator is *à compléter* while the evaluation reports a missing
//! answer about it ([`Severity::Missing`]); the identification step is one
//! more stop when a missing answer is about the establishment.

use crate::app::App;
use crate::fields::{field_id, Shared};
use crate::form::{Action, Form};
use caqes_engine::{cut_on_word, Catalog, Evaluation, Severity, Volet};
use yew::html::Scope;
use yew::prelude::*;

/// Characters of a tab's short title (after its code).
const TAB_TITLE_CHARS: usize = 28;

/// Below this viewport width (CSS pixels) the score panel starts folded.
const NARROW_PX: f64 = 700.0;

/// The label of volet tab `n` (1-based): its code and short title. A title
/// written « Code — titre » (« Art. 10-1 — Amélioration … ») gives its code;
/// otherwise the code is « V<n> », as in the Excel sheet names. The short
/// title is the volet's `short_title`, or the rest of the title cut between
/// words.
pub fn tab_label(volet: &Volet, n: usize) -> (String, String) {
    let title = volet.title.trim();
    let (code, rest) = match title.split_once(" — ") {
        Some((code, rest)) if !code.trim().is_empty() && code.chars().count() <= 12 => {
            (code.trim().to_string(), rest.trim())
        }
        _ => (format!("V{n}"), title),
    };
    let short = match &volet.short_title {
        Some(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => without_dangling_word(&cut_on_word(rest, TAB_TITLE_CHARS)),
    };
    (code, short)
}

/// A cut title without the small words it may end with (« Amélioration et »
/// → « Amélioration »), unless it would become empty.
fn without_dangling_word(text: &str) -> String {
    const SMALL: [&str; 17] = [
        "et", "de", "des", "du", "d'", "la", "le", "les", "l'", "à", "au", "aux", "en", "dans",
        "sur", "pour", "avec",
    ];
    let mut words: Vec<&str> = text.split(' ').collect();
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| SMALL.contains(&caqes_engine::text::lowercase_fr(w).as_str()))
    {
        words.pop();
    }
    words.join(" ")
}

/// The indicators with a missing answer.
pub fn to_complete(eval: &Evaluation) -> Vec<&str> {
    eval.problems
        .iter()
        .filter(|p| p.severity == Severity::Missing)
        .filter_map(|p| p.indicator.as_deref())
        .fold(Vec::new(), |mut v, i| {
            if !v.contains(&i) {
                v.push(i);
            }
            v
        })
}

/// Per volet (catalog order): (indicators without a missing answer, indicators).
pub fn volet_progress(catalog: &Catalog, eval: &Evaluation) -> Vec<(usize, usize)> {
    let missing = to_complete(eval);
    catalog
        .volets
        .iter()
        .map(|v| {
            let ids = catalog.indicators.iter().filter(|i| i.volet == v.id);
            let (mut done, mut total) = (0, 0);
            for i in ids {
                total += 1;
                if !missing.contains(&i.id.as_str()) {
                    done += 1;
                }
            }
            (done, total)
        })
        .collect()
}

/// A stop of the « prochain indicateur » tour: a tab, and the indicator
/// (`None`: the identification step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    /// Tab (0 = identification, 1.. = volets).
    pub tab: usize,
    /// Indicator id, `None` for the identification.
    pub indicator: Option<String>,
}

/// Where the button goes: the stop and the element ids to focus (the first
/// that exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The stop.
    pub stop: Stop,
    /// Ids to try, in order: the first missing field, then the card.
    pub ids: Vec<String>,
}

/// The next stop with a missing answer, in the order of the tabs: after
/// `last` when it is on the current `tab` (the previous click), else from
/// the start of `tab`; wraps around. `None` when nothing is missing.
pub fn next_to_complete(
    catalog: &Catalog,
    eval: &Evaluation,
    tab: usize,
    last: Option<&Stop>,
) -> Option<Target> {
    let missing: Vec<_> = eval
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Missing)
        .collect();
    // Every stop in tab order, with the ids to focus when it has a missing answer.
    let mut stops: Vec<(Stop, Vec<String>)> = Vec::new();
    let ident: Vec<String> = missing
        .iter()
        .filter(|p| p.indicator.is_none())
        .filter_map(|p| p.field.as_deref())
        .map(|f| field_id(&[f]))
        .collect();
    stops.push((
        Stop {
            tab: 0,
            indicator: None,
        },
        ident,
    ));
    for (i, v) in catalog.volets.iter().enumerate() {
        for ind in catalog.indicators.iter().filter(|ind| ind.volet == v.id) {
            let mut ids: Vec<String> = missing
                .iter()
                .filter(|p| p.indicator.as_deref() == Some(ind.id.as_str()))
                .map(|p| match &p.field {
                    Some(f) => field_id(&[&ind.id, f]),
                    None => format!("card-{}", ind.id),
                })
                .collect();
            if !ids.is_empty() {
                ids.push(format!("card-{}", ind.id));
            }
            stops.push((
                Stop {
                    tab: i + 1,
                    indicator: Some(ind.id.to_string()),
                },
                ids,
            ));
        }
    }
    let start = match last.filter(|l| l.tab == tab) {
        Some(l) => stops.iter().position(|(s, _)| s == l).map(|p| p + 1),
        None => None,
    }
    .or_else(|| stops.iter().position(|(s, _)| s.tab >= tab))
    .unwrap_or(0);
    let n = stops.len();
    (0..n)
        .map(|k| &stops[(start + k) % n])
        .find(|(_, ids)| !ids.is_empty())
        .map(|(stop, ids)| Target {
            stop: stop.clone(),
            ids: ids.clone(),
        })
}

/// « 12/15 renseignés ».
pub fn progress_text(done: usize, total: usize) -> String {
    let s = if done > 1 { "s" } else { "" };
    format!("{done}/{total} renseigné{s}")
}

/// The props of [`Tabs`]: compared by value (the catalog by pointer), so
/// that the tabs render again only when the step or a volet's progress
/// changes, not on every keystroke.
#[derive(Properties, PartialEq)]
pub struct TabsProps {
    /// The open catalog.
    pub catalog: Shared<Catalog>,
    /// The step shown (0 = identification).
    pub tab: usize,
    /// Each volet's (renseignés, indicators), [`volet_progress`].
    pub progress: Vec<(usize, usize)>,
    /// The form's actions.
    pub dispatch: Callback<Action>,
}

/// The props of [`Tabs`] for `form`.
pub fn tabs_props(form: &Form, dispatch: &Callback<Action>) -> TabsProps {
    TabsProps {
        catalog: Shared(std::rc::Rc::clone(&form.catalog)),
        tab: form.tab,
        progress: volet_progress(&form.catalog, &form.eval),
        dispatch: dispatch.clone(),
    }
}

/// The tabs (identification, then one per volet with its progress) and the
/// button « Aller au prochain indicateur à compléter ».
pub struct Tabs;

impl Component for Tabs {
    type Message = ();
    type Properties = TabsProps;

    fn create(_ctx: &Context<Self>) -> Self {
        Tabs
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        tabs(ctx.props())
    }
}

/// The tab bar and the « prochain indicateur » button.
fn tabs(props: &TabsProps) -> Html {
    let c = &*props.catalog;
    let progress = &props.progress;
    let dispatch = &props.dispatch;
    let left: usize = progress.iter().map(|(d, t)| t - d).sum();
    let tab = |i: usize, code: String, short: String, full: &str, prog: Option<(usize, usize)>| {
        let current = props.tab == i;
        let complete = prog.is_some_and(|(d, t)| d == t);
        html! {
            <button type="button" id={format!("tab-{i}")} class={classes!("tab", current.then_some("current"))}
                title={full.to_string()}
                aria-current={if current { Some("step") } else { None }}
                onclick={dispatch.reform(move |_| Action::Tab(i))}>
                <span class="tab-code">{ code }</span>
                if !short.is_empty() { { " " }<span class="tab-title">{ short }</span> }
                if let Some((d, t)) = prog {
                    { " " }<span class={classes!("tab-progress", complete.then_some("done"))} id={format!("tab-progress-{i}")}>{ progress_text(d, t) }</span>
                }
            </button>
        }
    };
    html! {
        <div class="nav no-print">
            <nav class="tabs" aria-label="Étapes du formulaire">
                { tab(0, "Identification".into(), String::new(), "Identification de l'établissement", None) }
                { for c.volets.iter().enumerate().map(|(i, v)| {
                    let (code, short) = tab_label(v, i + 1);
                    tab(i + 1, code, short, &v.title, progress.get(i).copied())
                }) }
            </nav>
            <p class="next">
                <button type="button" id="next-to-complete" class="secondary" onclick={dispatch.reform(|_| Action::Next)}>
                    { "Aller au prochain indicateur à compléter" }
                </button>
                <span class="hint" id="left-to-complete">{
                    match left {
                        0 => "Tous les indicateurs sont renseignés.".to_string(),
                        1 => "1 indicateur à compléter.".to_string(),
                        n => format!("{n} indicateurs à compléter."),
                    }
                }</span>
            </p>
        </div>
    }
}

/// Whether the viewport is narrow (the score panel then starts folded).
fn narrow() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w < NARROW_PX)
}

/// The score panel in a `<details>`: open on wide screens and when printing,
/// folded on narrow ones (the summary still shows the score and verdict).
pub fn score_panel(
    form: &Form,
    printing: bool,
    link: &Scope<App>,
    dispatch: &Callback<Action>,
) -> Html {
    let e = &form.eval;
    let u = crate::score::unit(form);
    let d = form.catalog.campaign.rounding.decimals;
    let total = e
        .total_rounded
        .map(|n| format!("{}{u}", n.to_french(d)))
        .unwrap_or_else(|| "—".into());
    let verdict = caqes_engine::labels::verdict_short(e.verdict.interesse);
    html! {
        <aside class="score-panel" aria-labelledby="h-score">
            <details id="score-details" open={printing || !narrow()}>
                <summary id="score-summary">{ format!("Score : {total} — {verdict}") }</summary>
                { crate::score::view(form, link, dispatch) }
            </details>
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caqes_engine::{evaluate, Answers};

    fn catalog(id: &str) -> Catalog {
        crate::bundled()
            .iter()
            .find(|c| c.campaign.id == id)
            .cloned()
            .expect("bundled catalog")
    }

    #[test]
    fn tab_labels_are_code_and_short_title() {
        let c = catalog("occitanie-vo-2019");
        let (code, short) = tab_label(&c.volets[0], 1);
        assert_eq!(code, "Art. 10-1");
        assert!(short.chars().count() <= TAB_TITLE_CHARS, "{short}");
        assert!(short.starts_with("Amélioration"), "{short}");
        let v = Volet {
            id: "x".into(),
            title: "Parcours et lien ville-hôpital".into(),
            short_title: Some("Parcours ville-hôpital".into()),
        };
        assert_eq!(
            tab_label(&v, 2),
            ("V2".to_string(), "Parcours ville-hôpital".to_string())
        );
        let v = Volet {
            short_title: None,
            ..v
        };
        assert_eq!(tab_label(&v, 2).1, "Parcours et lien");
        assert_eq!(without_dangling_word("Amélioration et"), "Amélioration");
        assert_eq!(
            without_dangling_word("Prescriptions dans le"),
            "Prescriptions"
        );
        assert_eq!(without_dangling_word("et"), "et");
    }

    #[test]
    fn progress_counts_indicators_without_missing_answers() {
        let c = catalog("na-ako-2024");
        let empty = Answers::from_json(r#"{"catalog":"na-ako-2024"}"#).expect("answers");
        let e = evaluate(&c, &empty);
        let p = volet_progress(&c, &e);
        assert_eq!(p.len(), c.volets.len());
        let total: usize = p.iter().map(|x| x.1).sum();
        assert_eq!(total, c.indicators.len());
        let missing = to_complete(&e);
        assert!(!missing.is_empty(), "an empty draft has missing answers");
        let done: usize = p.iter().map(|x| x.0).sum();
        assert_eq!(done, total - missing.len());
        assert_eq!(progress_text(12, 15), "12/15 renseignés");
        assert_eq!(progress_text(1, 15), "1/15 renseigné");
    }

    #[test]
    fn next_to_complete_follows_the_tabs_and_wraps() {
        let c = catalog("occitanie-vo-2019");
        let empty = Answers::from_json(r#"{"catalog":"occitanie-vo-2019"}"#).expect("answers");
        let e = evaluate(&c, &empty);
        let missing = to_complete(&e);
        // From the identification: the identification itself when it misses
        // answers, else the first indicator with a missing answer.
        let first = next_to_complete(&c, &e, 0, None).expect("something to complete");
        let ident_missing = e
            .problems
            .iter()
            .any(|p| p.severity == Severity::Missing && p.indicator.is_none() && p.field.is_some());
        if ident_missing {
            assert_eq!(first.stop.tab, 0);
            assert!(first.ids[0].starts_with("f-"), "{:?}", first.ids);
        }
        // From volet 2, the first missing indicator of volet 2 or later.
        let t = next_to_complete(&c, &e, 2, None).expect("target");
        assert!(t.stop.tab >= 2, "{t:?}");
        let id = t.stop.indicator.clone().expect("an indicator");
        assert!(missing.contains(&id.as_str()));
        assert_eq!(t.ids.last(), Some(&format!("card-{id}")));
        // Again from that stop: the next one, never the same while others remain.
        let u = next_to_complete(&c, &e, t.stop.tab, Some(&t.stop)).expect("target");
        assert_ne!(u.stop, t.stop);
        // A stop remembered on another tab is ignored.
        let w = next_to_complete(&c, &e, 1, Some(&t.stop)).expect("target");
        assert_eq!(w.stop.tab, 1);
        // The whole tour visits every missing indicator once, then wraps.
        let mut seen = Vec::new();
        let mut at = first;
        for _ in 0..=missing.len() + 1 {
            if let Some(i) = &at.stop.indicator {
                if seen.contains(i) {
                    break;
                }
                seen.push(i.clone());
            }
            at = next_to_complete(&c, &e, at.stop.tab, Some(&at.stop)).expect("target");
        }
        assert_eq!(seen.len(), missing.len());
    }

    #[test]
    fn nothing_to_complete_gives_none() {
        let c = catalog("na-ako-2024");
        let mut e = evaluate(
            &c,
            &Answers::from_json(r#"{"catalog":"na-ako-2024"}"#).expect("answers"),
        );
        e.problems.retain(|p| p.severity != Severity::Missing);
        assert_eq!(next_to_complete(&c, &e, 0, None), None);
        assert!(volet_progress(&c, &e).iter().all(|(d, t)| d == t));
    }
}
