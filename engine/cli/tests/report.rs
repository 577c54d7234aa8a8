//! `caqes report`: PDF evaluation reports checked with poppler (`pdftotext`,
//! `pdffonts`, `pdftoppm`), the HTML twin, pagination of a 200-indicator
//! catalog, wrapping of a 2,000-character comment, non-Latin names and safe
//! file names. Page 1 is kept as `target/report-artifacts/page-1.png`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn caqes(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_caqes"))
        .args(args)
        .output()
        .expect("caqes")
}

fn ok(o: &std::process::Output) {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("caqes-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("grilles")).unwrap();
    d
}

/// Writes the grid of `answers` (JSON text) into `d/grilles/<stem>.xlsx`.
fn grid(extra: &[&str], d: &Path, catalog: &str, stem: &str, answers: &str) {
    let json = d.join(format!("{stem}.json"));
    std::fs::write(&json, answers).unwrap();
    let out = d.join("grilles").join(format!("{stem}.xlsx"));
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["grid", "--catalog", catalog, json.to_str().unwrap(), "-o"]);
    args.push(out.to_str().unwrap());
    ok(&caqes(&args));
}

fn pdftotext(pdf: &Path, extra: &[&str]) -> String {
    let o = Command::new("pdftotext")
        .args(extra)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is required");
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap()
}

fn pds(stem: &str) -> String {
    std::fs::read_to_string(root().join(format!("tests/answers/occitanie-pds-2023/{stem}.json")))
        .unwrap()
}

/// The occitanie-pds-2023 examples with a review, agency savings, an envelope and the
/// contradictory period.
fn pds_reports(name: &str, format: &str) -> PathBuf {
    let d = dir(name);
    for stem in ["complet-chu", "non-concernes-psy", "incomplet"] {
        grid(&[], &d, "occitanie-pds-2023", stem, &pds(stem));
    }
    std::fs::write(
        d.join("donnees.csv"),
        "finess;indicateur;champ;valeur\n310781406;nat-phev-ipp;economies;12 000,50\n310781406;nat-phev-perfadom;economies;-2000\n",
    )
    .unwrap();
    std::fs::write(
        d.join("revue.csv"),
        "finess;indicateur;champ;valeur;motif\n310781406;reg-bum-aapp-mpi;criteria.suivi;non;Plan d'actions non actualisé\n",
    )
    .unwrap();
    let out = d.join("rapports");
    ok(&caqes(&[
        "report",
        "--catalog",
        "occitanie-pds-2023",
        d.join("grilles").to_str().unwrap(),
        "--data",
        d.join("donnees.csv").to_str().unwrap(),
        "--review",
        d.join("revue.csv").to_str().unwrap(),
        "--envelope",
        "100 000",
        "--key",
        "score",
        "--contradictoire",
        "15/07/2024",
        "--format",
        format,
        "-o",
        out.to_str().unwrap(),
    ]));
    out
}

/// Figures computed by hand for CHU de Toulouse (310781406):
/// - official score: the review refuses « suivi » of AAPP MPI (4 of 8 points lost):
///   80 − 4 = 76 % (tests/answers/README.md: self-assessed 80); volet « Bon usage du
///   médicament » officially CM 12 + MPI 4 + EP 10 + AP 12 + LES 8 = 46 / 52 = 88,46 %;
/// - national part: the savings of the national indicators are summed per
///   establishment (12 000,50 − 2 000 = 10 000,50 €), 25 % = 2 500,125 → 2 500,12 €
///   (cent below);
/// - regional part: 100 000 € pro rata of the regional points; the amount is the
///   sum of both parts (checked on the text).
const CHU_FIGURES: [&str; 8] = [
    "76 % (score exact 76 %)",
    "» — 88,46 %",
    "2 500,12 €",
    "Plan d'actions non actualisé",
    "15/07/2024",
    "14/08/2024",
    "Période contradictoire",
    "CHU de Toulouse",
];

#[test]
fn pdf_report_has_the_figures_fonts_embedded_and_page_one_rendered() {
    let out = pds_reports("pdf", "pdf");
    let pdf = out.join("310781406-CHU-de-Toulouse.pdf");
    assert!(
        pdf.exists(),
        "{:?}",
        std::fs::read_dir(&out).unwrap().collect::<Vec<_>>()
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);
    let text = pdftotext(&pdf, &["-layout"]);
    let flat = text.replace(['\u{202f}', '\u{a0}'], " ");
    for f in CHU_FIGURES {
        assert!(flat.contains(f), "« {f} » absent:\n{text}");
    }
    // Regional part + national part = amount: read them back.
    let euros = |label: &str| -> i64 {
        let line = flat
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("{label}"));
        let t = line.rsplit(": ").next().unwrap_or(line);
        let t = t.trim().rsplit("  ").next().unwrap().trim();
        let t: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
        t.parse().unwrap()
    };
    assert_eq!(
        euros("Montant"),
        euros("Indicateurs nationaux") + euros("Enveloppe FIR")
    );
    assert!(flat.contains("Page 1 / "), "{text}");
    let fonts = Command::new("pdffonts").arg(&pdf).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty());
    for r in rows {
        assert!(
            r.contains("DejaVuSans") && r.contains(" yes yes "),
            "font not embedded: {r}"
        );
    }
    let art = root().join("target/report-artifacts");
    std::fs::create_dir_all(&art).unwrap();
    let o = Command::new("pdftoppm")
        .args(["-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(art.join("page-1"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let png = std::fs::read(art.join("page-1.png")).unwrap();
    assert!(png.len() > 10_000 && png.starts_with(b"\x89PNG"));
}

#[test]
fn html_report_has_the_same_content() {
    let pdf_dir = pds_reports("html-a", "pdf");
    let html_dir = pds_reports("html-b", "html");
    let html = std::fs::read_to_string(html_dir.join("310781406-CHU-de-Toulouse.html")).unwrap();
    let html = html.replace("&#39;", "'").replace('\u{202f}', " ");
    for f in CHU_FIGURES {
        assert!(html.contains(f), "« {f} » absent:\n{html}");
    }
    assert!(!html.contains("<script"));
    // Every word of the PDF (but the page footers) is in the HTML.
    let text = pdftotext(&pdf_dir.join("310781406-CHU-de-Toulouse.pdf"), &[]);
    for w in text.split_whitespace() {
        let w = w.replace('\u{202f}', " ");
        if w.starts_with("Page") || w.chars().all(|c| c.is_ascii_digit() || c == '/') {
            continue;
        }
        assert!(
            html.contains(w.trim()),
            "« {w} » of the PDF absent from the HTML"
        );
    }
}

/// The text of an HTML report, one line per heading, paragraph, label/value
/// pair or table row (cells joined by « | »), for a snapshot a reviewer can read.
fn readable(html: &str) -> String {
    let body = html.split("<body>").nth(1).unwrap_or(html);
    let mut text = String::new();
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        text.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('>') else { break };
        let tag = &rest[i + 1..i + j];
        let name = tag
            .trim_start_matches('/')
            .split([' ', '>'])
            .next()
            .unwrap_or("");
        match (tag.starts_with('/'), name) {
            (true, "h1" | "h2" | "h3" | "p" | "tr" | "div" | "li") => text.push('\n'),
            (true, "td" | "th") => text.push_str(" | "),
            (true, "dt") => text.push_str(" : "),
            (true, "dd") => text.push('\n'),
            _ => {}
        }
        rest = &rest[i + j + 1..];
    }
    text.push_str(rest);
    let text = text
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace(['\u{202f}', '\u{a0}'], " ");
    text.lines()
        .map(|l| l.trim().trim_end_matches(" |").trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole text of the three reports of the occitanie-pds-2023 campaign
/// (review, agency data, envelope, contradictory period), as snapshots in
/// `tests/snapshots/`: any change of wording, order or figure is a diff to
/// review (`cargo insta review`, or `INSTA_UPDATE=always cargo test`).
#[test]
fn report_text_snapshots() {
    let out = pds_reports("snapshot", "html");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    for f in files {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let text = readable(&std::fs::read_to_string(&f).unwrap());
        insta::assert_snapshot!(format!("report-{name}"), text);
    }
}

/// Words of `pdftotext -bbox` output: (page width, xMax) per word.
fn word_boxes(pdf: &Path) -> (Vec<(f32, f32)>, usize) {
    let xml = pdftotext(pdf, &["-bbox"]);
    let mut out = Vec::new();
    let mut width = 0.0;
    let mut pages = 0;
    for line in xml.lines() {
        let attr = |name: &str| -> Option<f32> {
            let i = line.find(&format!("{name}=\""))? + name.len() + 2;
            line[i..].split('"').next()?.parse().ok()
        };
        if line.trim_start().starts_with("<page") {
            width = attr("width").unwrap_or(0.0);
            pages += 1;
        }
        if line.trim_start().starts_with("<word") {
            out.push((width, attr("xMax").unwrap_or(0.0)));
        }
    }
    (out, pages)
}

#[test]
fn long_comment_wraps_and_non_latin_name_renders_and_bad_name_stays_inside() {
    let d = dir("wrap");
    let comment = "Commentaire très long de l'établissement sur la conciliation ; ".repeat(32);
    assert!(comment.chars().count() >= 2000);
    let mut a: serde_json::Value = serde_json::from_str(&pds("complet-chu")).unwrap();
    a["establishment"]["name"] = "Κέντρο Υγείας Αθηνών — Больница № 1".into();
    a["indicators"]["reg-bum-conciliation"]["comment"] = comment.clone().into();
    grid(&[], &d, "occitanie-pds-2023", "grec", &a.to_string());
    let mut b: serde_json::Value = serde_json::from_str(&pds("non-concernes-psy")).unwrap();
    b["establishment"]["name"] = "../../x".into();
    grid(&[], &d, "occitanie-pds-2023", "evasion", &b.to_string());
    let out = d.join("sub").join("rapports");
    ok(&caqes(&[
        "report",
        "--catalog",
        "occitanie-pds-2023",
        d.join("grilles").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    // « № 1 » leaves its digit: the Greek and Cyrillic letters are dropped from the name.
    assert_eq!(names, ["310780945-x.pdf", "310781406-1.pdf"]);
    assert!(!d.join("x.pdf").exists() && !d.join("sub/x.pdf").exists());
    let pdf = out.join("310781406-1.pdf");
    let text = pdftotext(&pdf, &[]);
    assert!(
        text.contains("Κέντρο Υγείας Αθηνών — Больница № 1"),
        "{text}"
    );
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains(
        comment
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .as_str()
    ));
    let (boxes, _) = word_boxes(&pdf);
    assert!(boxes.len() > 300);
    for (w, x) in boxes {
        assert!(
            x <= w - 40.0,
            "word beyond the right margin: xMax {x} of {w}"
        );
    }
}

#[test]
fn catalog_of_200_indicators_paginates() {
    let d = dir("big");
    let cat = d.join("referentiels");
    std::fs::create_dir_all(&cat).unwrap();
    let mut toml = String::from(
        "[campaign]\nid = \"grand\"\nyears = [2024]\ntitle = \"Référentiel de 200 indicateurs\"\nregion = \"Test\"\ncontract = \"2024\"\nscale = 100\npoints_total = 200\nbonus_max = 0\nredistribution = \"proportional\"\nrounding = { decimals = 0, mode = \"half_up\" }\n\n[interessement]\nbands = [{ min = 80 }]\n\n[[volets]]\nid = \"v\"\ntitle = \"Volet unique\"\n",
    );
    let mut inds = serde_json::Map::new();
    for i in 0..200 {
        toml.push_str(&format!(
            "\n[[indicators]]\nid = \"i{i}\"\ncode = \"G {i}\"\ntitle = \"Indicateur numéro {i} avec un titre assez long pour tenir sur deux lignes\"\nvolet = \"v\"\nscope = \"regional\"\npoints = 1\n[indicators.measure]\nkind = \"criteria\"\ncriteria = [{{ id = \"c\", label = \"Critère\", points = 1 }}]\n"
        ));
        inds.insert(
            format!("i{i}"),
            serde_json::json!({ "criteria": { "c": i % 3 != 0 } }),
        );
    }
    std::fs::write(cat.join("grand.toml"), toml).unwrap();
    let answers = serde_json::json!({
        "catalog": "grand-2024",
        "establishment": { "finess": "310781406", "name": "CHU de Toulouse", "legal_status": "public", "categories": ["mco"] },
        "indicators": inds,
    });
    let ind = ["--indicators", cat.to_str().unwrap()];
    grid(&ind, &d, "grand-2024", "grand", &answers.to_string());
    let out = d.join("rapports");
    ok(&caqes(&[
        "--indicators",
        cat.to_str().unwrap(),
        "report",
        "--catalog",
        "grand-2024",
        d.join("grilles").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let pdf = out.join("310781406-CHU-de-Toulouse.pdf");
    let (_, pages) = word_boxes(&pdf);
    assert!(pages > 1, "{pages} page(s)");
    let text = pdftotext(&pdf, &[]);
    assert!(text.contains(&format!("Page 2 / {pages}")), "{text}");
    assert!(text.contains(&format!("Page {pages} / {pages}")));
    // pdftotext may drop the narrow space between the two parts of a code.
    let squeezed = text.replace(' ', "");
    assert!(
        squeezed.contains("G199") && squeezed.contains("G0\n"),
        "{text}"
    );
}

#[test]
fn bad_date_is_a_usage_error() {
    let d = dir("date");
    grid(&[], &d, "occitanie-pds-2023", "a", &pds("complet-chu"));
    let o = caqes(&[
        "report",
        "--catalog",
        "occitanie-pds-2023",
        d.join("grilles").to_str().unwrap(),
        "--contradictoire",
        "31/02/2024",
        "-o",
        d.join("r").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("date invalide « 31/02/2024 »"));
}

#[test]
fn campaign_json_and_workbook_carry_the_amounts() {
    use calamine::{Data, Reader};
    let d = dir("campaign");
    for stem in ["complet-chu", "non-concernes-psy", "incomplet"] {
        grid(&[], &d, "occitanie-pds-2023", stem, &pds(stem));
    }
    std::fs::write(
        d.join("donnees.csv"),
        "finess;indicateur;champ;valeur\n310781406;nat-phev-ipp;economies;12 000,50\n310780945;nat-phev-ipp;economies;1000\n",
    )
    .unwrap();
    let xlsx = d.join("synthese.xlsx");
    let o = caqes(&[
        "campaign",
        "--catalog",
        "occitanie-pds-2023",
        d.join("grilles").to_str().unwrap(),
        "--data",
        d.join("donnees.csv").to_str().unwrap(),
        "--envelope",
        "100 000",
        "--key",
        "score",
        "--json",
        "-o",
        xlsx.to_str().unwrap(),
    ]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let es = v["establishments"].as_array().unwrap();
    assert_eq!(es.len(), 3);
    let mut sum = 0;
    for e in es {
        let n = e["national_cents"].as_u64().unwrap();
        let r = e["regional_cents"].as_u64().unwrap();
        assert_eq!(e["amount_cents"].as_u64().unwrap(), n + r);
        sum += n + r;
    }
    let chu = es.iter().find(|e| e["finess"] == "310781406").unwrap();
    // 25 % of 12 000,50 € = 3 000,125 € → 3 000,12 € (cent below).
    assert_eq!(chu["national_cents"], 300_012);
    let it = &v["interessement"];
    assert_eq!(it["national_cents"], 300_012 + 25_000);
    assert_eq!(sum, 10_000_000 + 300_012 + 25_000);
    assert_eq!(it["total_cents"], sum);
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let sheet = wb.worksheet_range("Intéressement").unwrap();
    let header: Vec<String> = sheet
        .rows()
        .nth(5)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(
        header.contains(&"Part des économies".to_string()),
        "{header:?}"
    );
    let total = sheet
        .rows()
        .find(|r| r.get(1) == Some(&Data::String("Total".into())))
        .unwrap();
    assert_eq!(total[4], Data::Float((sum as f64) / 100.0));
}

#[test]
fn savings_on_a_regional_indicator_and_a_broken_grid_are_reported_and_the_batch_goes_on() {
    let d = dir("savings-bad");
    grid(&[], &d, "occitanie-pds-2023", "a", &pds("complet-chu"));
    std::fs::write(d.join("grilles").join("zz-cassee.xlsx"), b"pas une grille").unwrap();
    std::fs::write(
        d.join("donnees.csv"),
        "finess;indicateur;champ;valeur\n310781406;reg-bum-analyse;economies;100\n310781406;nat-phev-ipp;economies;abc\n",
    )
    .unwrap();
    let o = caqes(&[
        "report",
        "--catalog",
        "occitanie-pds-2023",
        d.join("grilles").to_str().unwrap(),
        "--data",
        d.join("donnees.csv").to_str().unwrap(),
        "-o",
        d.join("r").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("ligne 2, indicateur reg-bum-analyse, champ economies : économies attendues sur un indicateur national"), "{err}");
    assert!(
        err.contains(
            "ligne 3, indicateur nat-phev-ipp, champ economies : montant en euros invalide « abc »"
        ),
        "{err}"
    );
    assert!(err.contains("zz-cassee.xlsx"), "{err}");
    // The batch went on: the report is written.
    assert!(d.join("r").join("310781406-CHU-de-Toulouse.pdf").exists());
}
