//! The form's « Aperçu du rapport » (`caqes_report::preview`, run by the
//! on-demand wasm module) has the sections of the HTML that `caqes report`
//! writes for the same answers, the same identification, score and verdict,
//! and is marked « auto-évaluation ».

use std::path::Path;
use std::process::Command;

fn caqes(args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_caqes"))
        .args(args)
        .output()
        .expect("caqes");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The texts of the elements `tag` (`h2`, `dd`, …).
fn texts<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    html.split(open.as_str())
        .skip(1)
        .filter_map(|s| s.split(close.as_str()).next())
        .collect()
}

#[test]
fn preview_has_the_sections_of_caqes_report() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let d = std::env::temp_dir().join(format!("caqes-report-preview-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("grilles")).unwrap();
    let catalogs = caqes_catalogs::bundled().expect("bundled catalogs");
    for (catalog, stem) in [
        ("na-ako-2024", "complet"),
        ("occitanie-pds-2023", "complet-chu"),
        ("occitanie-vo-2019", "complet-chu"),
    ] {
        let json = root.join(format!("tests/answers/{catalog}/{stem}.json"));
        let xlsx = d.join("grilles").join(format!("{catalog}.xlsx"));
        caqes(&[
            "grid",
            "--catalog",
            catalog,
            json.to_str().unwrap(),
            "-o",
            xlsx.to_str().unwrap(),
        ]);
        let out = d.join(format!("rapports-{catalog}"));
        let g = d.join(format!("g-{catalog}"));
        std::fs::create_dir_all(&g).unwrap();
        std::fs::rename(&xlsx, g.join("grille.xlsx")).unwrap();
        caqes(&[
            "report",
            "--catalog",
            catalog,
            g.to_str().unwrap(),
            "--format",
            "html",
            "-o",
            out.to_str().unwrap(),
        ]);
        let file = std::fs::read_dir(&out)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let cli = std::fs::read_to_string(file).unwrap();
        let c = catalogs
            .iter()
            .find(|c| c.campaign.id == catalog)
            .expect("bundled");
        let answers =
            caqes_engine::Answers::from_json(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let preview = caqes_report::html::body(&caqes_report::preview(c, answers));
        assert_eq!(texts(&preview, "h2"), texts(&cli, "h2"), "{catalog}");
        assert!(preview.contains("auto-évaluation"), "{catalog}");
        let dd = |h: &str, label: &str| -> String {
            h.split(&format!("<dt>{label}</dt><dd>"))
                .nth(1)
                .and_then(|s| s.split("</dd>").next())
                .unwrap_or_else(|| panic!("{label} absent from {h}"))
                .to_string()
        };
        for label in ["FINESS", "Établissement", "Campagne", "Année évaluée"] {
            assert_eq!(dd(&preview, label), dd(&cli, label), "{catalog} {label}");
        }
        assert_eq!(
            dd(&preview, "Score auto-évalué"),
            dd(&cli, "Score auto-évalué"),
            "{catalog}"
        );
        assert_eq!(
            dd(&preview, "Verdict (auto-évaluation)"),
            dd(&cli, "Verdict"),
            "{catalog}: no review, the agency's verdict is the self-assessed one"
        );
        // Each volet's table: same codes, values and points as the
        // « auto-évaluée » columns of the agency's report.
        let rows = |h: &str| -> Vec<Vec<String>> {
            h.split("<tr><td>")
                .skip(1)
                .map(|r| {
                    let r = r.split("</tr>").next().unwrap();
                    r.split("</td><td>")
                        .map(|c| c.trim_end_matches("</td>").to_string())
                        .collect()
                })
                .filter(|r: &Vec<String>| r.len() >= 4)
                .collect()
        };
        let (p, a) = (rows(&preview), rows(&cli));
        // (no review: the agency's only tables of 4 columns or more are the volets')
        let a: Vec<Vec<String>> = a.into_iter().map(|r| r[..4].to_vec()).collect();
        assert_eq!(p, a, "{catalog}");
        assert!(!p.is_empty(), "{catalog}");
    }
}
