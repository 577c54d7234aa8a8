//! Every action of [`super::Form::apply`], natively.

use super::*;
use caqes_engine::{Measure, Origin, Status};

fn form(id: &str) -> Form {
    let catalog = crate::bundled()
        .iter()
        .find(|c| c.campaign.id == id)
        .cloned()
        .expect("bundled catalog");
    let answers = Answers {
        catalog: id.into(),
        ..Answers::default()
    };
    Form::new(Rc::new(catalog), answers)
}

fn edit(f: &mut Form, id: &str, edit: IndicatorEdit) -> Effects {
    f.apply(Action::Indicator {
        id: id.into(),
        edit,
    })
}

fn ident(f: &mut Form, edit: EstablishmentEdit) -> Effects {
    f.apply(Action::Establishment(edit))
}

/// The first indicator of `f` whose measure has inputs, and its first input.
fn with_input(f: &Form) -> (String, String) {
    f.catalog
        .indicators
        .iter()
        .find_map(|i| {
            let inputs = i.measure.inputs();
            inputs
                .first()
                .map(|inp| (i.id.to_string(), inp.id().to_string()))
        })
        .expect("an indicator with inputs")
}

fn result<'a>(f: &'a Form, id: &str) -> &'a caqes_engine::IndicatorResult {
    f.eval.indicator(id).expect("a result")
}

#[test]
fn new_form_is_evaluated_on_the_identification_tab() {
    let f = form("na-ako-2024");
    assert_eq!(f.tab, 0);
    assert_eq!(f.key, "caqes-draft:na-ako-2024:sans-finess");
    assert_eq!(f.eval.indicators.len(), f.catalog.indicators.len());
    assert!(f.raw.is_empty());
}

#[test]
fn typing_an_input_keeps_the_text_stores_the_number_and_evaluates() {
    let mut f = form("occitanie-vo-2019");
    let (id, input) = with_input(&f);
    let before = result(&f, &id).clone();
    let fx = edit(
        &mut f,
        &id,
        IndicatorEdit::Input {
            input: input.clone(),
            text: "12".into(),
        },
    );
    assert!(fx.save && fx.render && fx.forget.is_none() && fx.notice.is_none());
    assert_eq!(
        f.answers.indicators[&id].inputs[&input],
        serde_json::json!(12)
    );
    assert_eq!(f.raw[&format!("{id}/{input}")], "12");
    assert_eq!(f.raw_of(&id).get(&input).map(String::as_str), Some("12"));
    assert_eq!(
        f.eval,
        evaluate(&f.catalog, &f.answers),
        "evaluation follows"
    );
    // Every input filled: the indicator has a value.
    let inputs: Vec<String> = f
        .catalog
        .indicator(&id)
        .map(|i| {
            i.measure
                .inputs()
                .iter()
                .map(|x| x.id().to_string())
                .collect()
        })
        .unwrap_or_default();
    for other in inputs.iter().skip(1) {
        edit(
            &mut f,
            &id,
            IndicatorEdit::Input {
                input: other.clone(),
                text: "100".into(),
            },
        );
    }
    assert!(result(&f, &id).value.is_some());
    assert_ne!(*result(&f, &id), before);
    // Text that is not a number is stored as typed (the engine reports it).
    edit(
        &mut f,
        &id,
        IndicatorEdit::Input {
            input: input.clone(),
            text: "douze".into(),
        },
    );
    assert_eq!(
        f.answers.indicators[&id].inputs[&input],
        serde_json::json!("douze")
    );
    assert!(f
        .eval
        .problems
        .iter()
        .any(|p| p.indicator.as_deref() == Some(id.as_str())
            && p.field.as_deref() == Some(input.as_str())));
    // Emptied: the answer is gone (no empty indicator answer is kept),
    // the text typed stays.
    for input in &inputs {
        edit(
            &mut f,
            &id,
            IndicatorEdit::Input {
                input: input.clone(),
                text: " ".into(),
            },
        );
    }
    assert!(!f.answers.indicators.contains_key(&id));
    assert_eq!(f.raw[&format!("{id}/{input}")], " ");
    assert_eq!(*result(&f, &id), before);
}

#[test]
fn declaring_non_concerne_redistributes_and_asks_a_justification() {
    let mut f = form("na-ako-2024");
    let ind = f
        .catalog
        .indicators
        .iter()
        .find(|i| i.nc_allowed && i.points > Number::ZERO)
        .expect("an indicator that may be declared NC")
        .id
        .to_string();
    let other = f
        .catalog
        .indicators
        .iter()
        .find(|i| {
            i.id != ind
                && i.points > Number::ZERO
                && i.volet
                    == f.catalog
                        .indicator(&ind)
                        .map(|x| x.volet.clone())
                        .unwrap_or_default()
        })
        .map(|i| i.id.to_string());
    let weight_before = other.as_ref().map(|o| result(&f, o).weight);
    edit(
        &mut f,
        &ind,
        IndicatorEdit::Status(DeclaredStatus::NonConcerne),
    );
    assert_eq!(
        f.answers.indicators[&ind].status,
        Some(DeclaredStatus::NonConcerne)
    );
    let r = result(&f, &ind);
    assert_eq!(r.status, Status::NonConcerne);
    assert_eq!(r.origin, Origin::Declared);
    assert_eq!(r.weight, Number::ZERO);
    if let (Some(o), Some(w)) = (other, weight_before) {
        assert!(result(&f, &o).weight > w, "the points are redistributed");
    }
    assert!(f
        .eval
        .problems
        .iter()
        .any(|p| p.indicator.as_deref() == Some(ind.as_str())));
    edit(
        &mut f,
        &ind,
        IndicatorEdit::Justification("Pas d'activité".into()),
    );
    assert_eq!(f.answers.indicators[&ind].justification, "Pas d'activité");
    // Back to renseigné: no status stored.
    edit(
        &mut f,
        &ind,
        IndicatorEdit::Status(DeclaredStatus::Renseigne),
    );
    assert_eq!(f.answers.indicators[&ind].status, None);
    assert_eq!(result(&f, &ind).status, Status::Renseigne);
}

#[test]
fn criteria_toggles_score_points() {
    let mut f = form("occitanie-vo-2019");
    let (id, crit) = f
        .catalog
        .indicators
        .iter()
        .find_map(|i| match &i.measure {
            Measure::Criteria { criteria } => {
                criteria.first().map(|c| (i.id.to_string(), c.id.clone()))
            }
            _ => None,
        })
        .expect("a criteria indicator");
    let before = result(&f, &id).clone();
    edit(
        &mut f,
        &id,
        IndicatorEdit::Criterion {
            criterion: crit.clone(),
            on: true,
        },
    );
    assert!(f.answers.indicators[&id].criteria[&crit]);
    assert_ne!(*result(&f, &id), before);
    edit(
        &mut f,
        &id,
        IndicatorEdit::Criterion {
            criterion: crit.clone(),
            on: false,
        },
    );
    assert!(!f.answers.indicators[&id].criteria[&crit]);
    assert_eq!(*result(&f, &id), before);
}

#[test]
fn personalised_target_is_kept_as_typed_and_parsed() {
    let mut f = form("occitanie-vo-2019");
    let id = f.catalog.indicators[0].id.to_string();
    edit(&mut f, &id, IndicatorEdit::Target("85,5".into()));
    assert_eq!(
        f.answers.indicators[&id].target,
        Number::parse("85.5"),
        "a comma is a decimal separator"
    );
    assert_eq!(f.raw_of(&id)["target"], "85,5");
    edit(&mut f, &id, IndicatorEdit::Target("abc".into()));
    assert_eq!(f.answers.indicators.get(&id).and_then(|a| a.target), None);
    assert_eq!(f.raw_of(&id)["target"], "abc");
}

#[test]
fn evidence_and_comment() {
    let mut f = form("na-ako-2024");
    let (id, ev) = f
        .catalog
        .indicators
        .iter()
        .find_map(|i| i.evidence.first().map(|e| (i.id.to_string(), e.id.clone())))
        .expect("an indicator with evidence");
    let on = |ev: &str| IndicatorEdit::Evidence {
        evidence: ev.into(),
        on: true,
    };
    edit(&mut f, &id, on(&ev));
    edit(&mut f, &id, on(&ev));
    assert_eq!(f.answers.indicators[&id].evidence, vec![ev.clone()]);
    edit(
        &mut f,
        &id,
        IndicatorEdit::Evidence {
            evidence: ev.clone(),
            on: false,
        },
    );
    assert!(!f.answers.indicators.contains_key(&id));
    edit(&mut f, &id, IndicatorEdit::Comment("Voir annexe".into()));
    assert_eq!(f.answers.indicators[&id].comment, "Voir annexe");
    // An unknown indicator changes nothing.
    let fx = edit(&mut f, "nope", IndicatorEdit::Comment("x".into()));
    assert_eq!(fx, Effects::default());
    assert!(!f.answers.indicators.contains_key("nope"));
}

#[test]
fn identification_changes_the_key_and_the_automatic_statuses() {
    let mut f = form("occitanie-vo-2019");
    let old = f.key.clone();
    let fx = ident(&mut f, EstablishmentEdit::Finess(" 330781196 ".into()));
    assert_eq!(f.answers.establishment.finess, "330781196");
    assert_eq!(f.key, "caqes-draft:occitanie-vo-2019:330781196");
    assert_eq!(fx.forget, Some(old), "the old key's draft is forgotten");
    assert!(fx.save && fx.save_review);
    // Same key: nothing to forget.
    let fx = ident(&mut f, EstablishmentEdit::Name("CH Test".into()));
    assert_eq!(fx.forget, None);
    assert!(!fx.save_review);
    assert_eq!(f.answers.establishment.name, "CH Test");
    ident(&mut f, EstablishmentEdit::Departement("2a ".into()));
    assert_eq!(f.answers.establishment.departement, "2A");
    ident(&mut f, EstablishmentEdit::LegalStatus("prive".into()));
    assert_eq!(
        f.answers.establishment.legal_status,
        Some(LegalStatus::Prive)
    );
    ident(&mut f, EstablishmentEdit::LegalStatus("".into()));
    assert_eq!(f.answers.establishment.legal_status, None);
    ident(&mut f, EstablishmentEdit::Funding("ex_oqn".into()));
    assert_eq!(f.answers.establishment.funding, Some(Funding::ExOqn));
    ident(&mut f, EstablishmentEdit::Beds(" 120".into()));
    assert_eq!(f.answers.establishment.beds, Some(120));
    assert_eq!(f.raw["establishment/beds"], " 120");
    ident(&mut f, EstablishmentEdit::Places("x".into()));
    assert_eq!(f.answers.establishment.places, None);
    ident(&mut f, EstablishmentEdit::PreviousScore("87,5".into()));
    assert_eq!(f.answers.previous_score, Number::parse("87.5"));
    // Categories drive the automatic non concerné.
    let auto = |f: &Form| {
        f.eval
            .indicators
            .iter()
            .filter(|r| r.origin == Origin::Automatic)
            .count()
    };
    // Psychiatry alone: out of the MCO-HAD-dialysis indicators.
    ident(&mut f, EstablishmentEdit::Category(Category::Psy, true));
    let psy = auto(&f);
    ident(&mut f, EstablishmentEdit::Category(Category::Mco, true));
    ident(&mut f, EstablishmentEdit::Category(Category::Mco, true));
    assert_eq!(
        f.answers.establishment.categories,
        vec![Category::Mco, Category::Psy]
    );
    assert!(auto(&f) < psy, "automatic statuses follow the categories");
    ident(&mut f, EstablishmentEdit::Category(Category::Psy, false));
    assert_eq!(f.answers.establishment.categories, vec![Category::Mco]);
    assert_eq!(f.eval, evaluate(&f.catalog, &f.answers));
}

#[test]
fn questions_are_read_by_kind() {
    let mut f = form("occitanie-vo-2019");
    let questions = f.catalog.identification.clone();
    assert!(!questions.is_empty(), "the catalog asks questions");
    for q in &questions {
        let (text, expected) = match q.kind {
            QuestionKind::Bool => ("oui".to_string(), serde_json::json!(true)),
            QuestionKind::Choice => {
                let o = q.options[0].id.clone();
                (o.clone(), serde_json::json!(o))
            }
            QuestionKind::Integer => (" 12".to_string(), serde_json::json!(12)),
            QuestionKind::Text => ("texte".to_string(), serde_json::json!("texte")),
        };
        ident(
            &mut f,
            EstablishmentEdit::Question {
                id: q.id.clone(),
                text,
            },
        );
        assert_eq!(f.answers.establishment.answers[&q.id], expected, "{}", q.id);
        ident(
            &mut f,
            EstablishmentEdit::Question {
                id: q.id.clone(),
                text: String::new(),
            },
        );
        assert!(!f.answers.establishment.answers.contains_key(&q.id));
    }
    let fx = ident(
        &mut f,
        EstablishmentEdit::Question {
            id: "nope".into(),
            text: "oui".into(),
        },
    );
    assert_eq!(fx, Effects::default());
}

#[test]
fn import_replaces_the_draft_or_refuses_it_untouched() {
    let mut f = form("na-ako-2024");
    let (id, input) = with_input(&f);
    edit(
        &mut f,
        &id,
        IndicatorEdit::Input {
            input,
            text: "3".into(),
        },
    );
    let mut other = f.answers.clone();
    other.indicators.clear();
    other.establishment.finess = "330781196".into();
    let fx = f.apply(Action::Import(other.to_canonical_json()));
    assert_eq!(f.answers, other);
    assert!(f.raw.is_empty(), "the texts typed are forgotten");
    assert!(fx.save && fx.forget.is_some());
    assert_eq!(fx.notice, Some(Notice::info("Brouillon importé.")));
    assert_eq!(f.eval, evaluate(&f.catalog, &f.answers));
    // Another campaign, or not a draft: refused, nothing changed.
    let before = f.answers.clone();
    let wrong = Answers {
        catalog: "occitanie-vo-2019".into(),
        ..Answers::default()
    };
    let fx = f.apply(Action::Import(wrong.to_canonical_json()));
    assert!(fx.notice.as_ref().is_some_and(|n| n.error
        && n.text.contains("occitanie-vo-2019")
        && n.text.contains("n'a pas été modifié")));
    assert!(!fx.save);
    let fx = f.apply(Action::Import("{".into()));
    assert!(fx.notice.is_some_and(|n| n.error));
    assert_eq!(f.answers, before);
}

/// A pending grid (its differences) stands until an edit, a cancel or a replace.
#[test]
fn pending_grid_is_replaced_cancelled_or_dropped_by_an_edit() {
    let pending = |f: &Form| {
        let mut answers = f.answers.clone();
        answers.establishment.name = "Grille".into();
        grid_open::Pending {
            name: "g.xlsx".into(),
            opened: grid_open::Opened {
                answers,
                summary: String::new(),
                changes: vec!["Identification — nom : → Grille".into()],
                problems: vec![],
                informations: vec![],
            },
        }
    };
    let mut f = form("na-ako-2024");
    f.pending = Some(pending(&f));
    let fx = f.apply(Action::GridCancel);
    assert!(f.pending.is_none() && !fx.save);
    assert_eq!(fx.focus, Some(vec!["grid-file".to_string()]));
    f.pending = Some(pending(&f));
    let fx = ident(&mut f, EstablishmentEdit::Name("x".into()));
    assert!(f.pending.is_none());
    assert!(fx.notice.is_some_and(|n| n.text.contains("annulée")));
    f.pending = Some(pending(&f));
    f.raw.insert("establishment/beds".into(), "1".into());
    let fx = f.apply(Action::GridReplace);
    assert_eq!(f.answers.establishment.name, "Grille");
    assert!(f.raw.is_empty() && fx.save);
    let notice = fx.notice.expect("a notice");
    assert!(
        notice.text.contains("1 valeur(s) remplacée(s)"),
        "{}",
        notice.text
    );
    assert_eq!(f.apply(Action::GridReplace), Effects::default());
}

#[test]
fn tabs_focus_and_next_to_complete() {
    let mut f = form("occitanie-vo-2019");
    let fx = f.apply(Action::Tab(2));
    assert_eq!((f.tab, fx.render, fx.save), (2, true, false));
    let fx = f.apply(Action::Focus {
        tab: 1,
        ids: vec!["x".into()],
    });
    assert_eq!(f.tab, 1);
    assert_eq!(fx.focus, Some(vec!["x".to_string()]));
    let fx = f.apply(Action::Next);
    let stop = f.nav_last.clone().expect("a stop");
    assert_eq!(stop.tab, f.tab);
    assert!(fx.focus.is_some_and(|ids| !ids.is_empty()));
    // Nothing missing: a notice.
    f.eval
        .problems
        .retain(|p| p.severity != caqes_engine::Severity::Missing);
    let fx = f.apply(Action::Next);
    assert!(fx.notice.is_some_and(|n| !n.error));
}

#[test]
fn gains_render_only_when_they_change() {
    let mut f = form("na-ako-2024");
    assert_eq!(f.apply(Action::Gains), Effects::default());
    f.gains.clear();
    let fx = f.apply(Action::Gains);
    assert!(fx.render && !fx.save);
    assert_eq!(
        f.gains,
        caqes_engine::best_gains(&f.catalog, &f.answers, &f.eval, 5)
    );
}

#[test]
fn review_responses_are_saved_and_removed() {
    let mut f = form("na-ako-2024");
    f.review = Some(response::Review {
        file: "r.csv".into(),
        text: String::new(),
        version: 1,
        date: None,
        decisions: vec![],
        responses: Default::default(),
    });
    let key = ("i".to_string(), "status".to_string());
    let fx = f.apply(Action::ReviewAnswer(key.clone(), Reponse::Conteste));
    assert!(fx.save_review && !fx.save);
    let fx = f.apply(Action::ReviewComment(key.clone(), "Non".into()));
    assert!(fx.save_review);
    let r = f.review.as_ref().expect("review");
    assert_eq!(
        r.responses[&key],
        (Some(Reponse::Conteste), "Non".to_string())
    );
    let fx = f.apply(Action::ReviewRemove);
    assert!(f.review.is_none() && fx.save_review && fx.notice.is_some());
}

#[test]
fn an_opened_grid_is_refused_shown_or_found_identical() {
    let mut f = form("na-ako-2024");
    f.open_busy = true;
    let fx = f.apply(Action::GridOpened {
        name: "g.xlsx".into(),
        result: Err("classeur illisible".into()),
    });
    assert!(!f.open_busy && f.pending.is_none());
    let n = fx.notice.expect("a notice");
    assert!(n.error && n.text.contains("« g.xlsx »") && n.text.contains("classeur illisible"));
    // The same values: nothing to replace.
    let same = format!(
        "{}\nS\t0 valeur\nI\t1 cellule(s)",
        f.answers.to_canonical_json()
    );
    let fx = f.apply(Action::GridOpened {
        name: "g.xlsx".into(),
        result: Ok(same),
    });
    assert!(f.pending.is_none());
    let n = fx.notice.expect("a notice");
    assert!(!n.error && n.text.contains("rien à remplacer"));
    assert_eq!(n.lines, vec!["1 cellule(s)".to_string()]);
    // Differences: the confirmation panel, the notice closed.
    let other = r#"{"catalog":"na-ako-2024","establishment":{"finess":"330781196"}}"#;
    let fx = f.apply(Action::GridOpened {
        name: "g.xlsx".into(),
        result: Ok(format!(
            "{other}\nC\tIdentification — Numéro FINESS : (vide) → 330781196"
        )),
    });
    assert!(fx.dismiss && fx.notice.is_none() && !fx.save);
    assert_eq!(fx.focus, Some(vec!["grid-diff".to_string()]));
    let p = f.pending.as_ref().expect("pending");
    assert_eq!(p.opened.answers.establishment.finess, "330781196");
    assert_eq!(
        f.answers.establishment.finess, "",
        "the draft waits for the user"
    );
    // Replacing: the draft of the grid's FINESS, the other one stays saved.
    let fx = f.apply(Action::GridReplace);
    assert_eq!(f.key, "caqes-draft:na-ako-2024:330781196");
    assert_eq!(fx.forget, None, "the draft of the other FINESS is kept");
    assert!(fx.save);
    assert!(fx
        .notice
        .is_some_and(|n| n.lines.iter().any(|l| l.contains("autre numéro FINESS"))));
}

#[test]
fn the_report_preview_is_shown_closed_or_its_error_told() {
    let mut f = form("na-ako-2024");
    f.report_busy = true;
    let fx = f.apply(Action::ReportReady(Err("module absent".into())));
    assert!(!f.report_busy && f.report.is_none());
    assert!(fx
        .notice
        .is_some_and(|n| n.error && n.text.contains("module absent")));
    let fx = f.apply(Action::ReportReady(Ok("<h1>Rapport</h1>".into())));
    assert_eq!(f.report.as_deref(), Some("<h1>Rapport</h1>"));
    assert!(fx.dismiss);
    assert_eq!(fx.focus, Some(vec!["report-close".to_string()]));
    let fx = f.apply(Action::ReportClose);
    assert!(f.report.is_none());
    assert_eq!(fx.focus, Some(vec!["report".to_string()]));
}

#[test]
fn a_review_that_cannot_be_read_leaves_the_draft() {
    let mut f = form("na-ako-2024");
    let before = f.answers.clone();
    let fx = f.apply(Action::ReviewRead {
        name: "r.csv".into(),
        text: Err("fichier illisible".into()),
        campaigns: vec![],
    });
    let n = fx.notice.expect("a notice");
    assert!(n.error && n.text.contains("« r.csv » refusé : fichier illisible"));
    assert!(!fx.save_review && f.review.is_none());
    let fx = f.apply(Action::ReviewRead {
        name: "r.csv".into(),
        text: Ok("pas un rapport".into()),
        campaigns: vec![],
    });
    assert!(fx.notice.is_some_and(|n| n.error));
    assert!(f.review.is_none());
    assert_eq!(f.answers, before);
}
