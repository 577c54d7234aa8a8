//! `caqes grid`: the Excel self-evaluation grid of a catalog, blank or filled.

use crate::catalogs::{io_message, Source};
use crate::Failure;
use std::io::Write;
use std::path::Path;

/// Current UTC time as RFC 3339 (the CLI reads the clock; the writer does not).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "grille.xlsx".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let fail = |e: std::io::Error| {
        Failure::input(format!(
            "écriture impossible de « {} » : {}",
            path.display(),
            io_message(&e)
        ))
    };
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}

pub fn grid(
    source: &Source,
    catalog: Option<&str>,
    answers_path: Option<&Path>,
    out: &Path,
) -> Result<u8, Failure> {
    let answers = match answers_path {
        Some(p) => Some(crate::read_answers(p)?),
        None => None,
    };
    if catalog.is_none() && answers.is_none() {
        return Err(Failure::usage(
            "donner --catalog ID (grille vierge) ou un fichier de réponses",
        ));
    }
    let from_answers = answers
        .as_ref()
        .map(|a| a.catalog.clone())
        .unwrap_or_default();
    let cat = source.resolve(catalog, &from_answers)?;
    if let Some(a) = &answers {
        if a.catalog != cat.campaign.id {
            return Err(Failure::input(format!(
                "les réponses sont pour le référentiel « {} », pas « {} »",
                a.catalog, cat.campaign.id
            )));
        }
    }
    let written = caqes_grid::write_grid_report(&cat, answers.as_ref(), &now_rfc3339())
        .map_err(|e| Failure::input(e.to_string()))?;
    write_atomic(out, &written.bytes)?;
    for l in &written.lost {
        eprintln!("avertissement : {l}");
    }
    println!(
        "grille « {} » écrite : {} ({} octets)",
        cat.campaign.id,
        out.display(),
        written.bytes.len()
    );
    Ok(0)
}
