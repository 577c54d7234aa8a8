//! `caqes`: the native command-line tool of the agency (ARS) and of catalog authors.
//!
//! Exit codes: 0 success; 1 invalid input (catalog, answers, evaluation with
//! errors); 2 usage error (unknown command or option, missing argument).

/// mimalloc: reading a batch of grids allocates thousands of small blocks per
/// file; with glibc's allocator, malloc and free took 13 % of `caqes verify`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod campaign;
mod catalogs;
pub mod csv;
mod evaluation;
mod grid_cmd;
mod report;
mod responses;
mod review;
mod verify;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

const HELP_TEMPLATE: &str = "\
{before-help}{name} {version} — {about}

Utilisation : {usage}

{all-args}{after-help}";

/// Calcul et vérification des scores CAQES.
#[derive(Parser, Debug)]
#[command(
    name = "caqes",
    version,
    about = "Calcul et vérification des scores CAQES",
    help_template = HELP_TEMPLATE,
    disable_help_subcommand = true,
    subcommand_help_heading = "Commandes",
    subcommand_value_name = "COMMANDE",
    disable_help_flag = true,
    disable_version_flag = true,
    after_help = "Codes de sortie : 0 succès ; 1 données invalides ; 2 erreur d'utilisation."
)]
struct Cli {
    /// Dossier de référentiels à utiliser à la place des référentiels intégrés.
    #[arg(long, global = true, value_name = "DOSSIER")]
    indicators: Option<PathBuf>,
    /// Afficher l'aide.
    #[arg(short = 'h', long, action = clap::ArgAction::Help, global = true)]
    help: Option<bool>,
    /// Afficher la version.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: Option<bool>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Référentiels (catalogues d'indicateurs) : lister, vérifier, afficher.
    #[command(
        subcommand,
        help_template = HELP_TEMPLATE,
        subcommand_help_heading = "Commandes",
        subcommand_value_name = "COMMANDE"
    )]
    Catalog(CatalogCommand),
    /// Calculer le score d'un établissement à partir de ses réponses (JSON).
    #[command(help_template = HELP_TEMPLATE)]
    Score {
        /// Identifiant du référentiel (ex. na-ako-2024) ou chemin d'un fichier .toml.
        #[arg(long, value_name = "ID|FICHIER")]
        catalog: Option<String>,
        /// Fichier de réponses JSON.
        #[arg(value_name = "REPONSES.json")]
        answers: PathBuf,
        /// Sortie JSON stable (pour d'autres outils).
        #[arg(long)]
        json: bool,
    },
    /// Produire la grille Excel d'auto-évaluation (vierge, ou remplie avec des réponses JSON).
    #[command(
        help_template = HELP_TEMPLATE,
        after_help = "Le fichier est écrit de façon atomique (fichier temporaire puis renommage) : jamais de fichier partiel."
    )]
    Grid {
        /// Identifiant du référentiel (ex. na-ako-2024) ou chemin d'un fichier .toml.
        #[arg(long, value_name = "ID|FICHIER")]
        catalog: Option<String>,
        /// Fichier de réponses JSON (facultatif : grille vierge sinon).
        #[arg(value_name = "REPONSES.json")]
        answers: Option<PathBuf>,
        /// Fichier .xlsx à écrire.
        #[arg(short = 'o', long = "output", value_name = "FICHIER.xlsx")]
        output: PathBuf,
    },
    /// Vérifier des grilles Excel reçues : recalcul, écarts, cellules modifiées.
    #[command(
        help_template = HELP_TEMPLATE,
        after_help = "Une ligne par grille : résultat (conforme, incomplet, écarts, illisible), FINESS, établissement, score recalculé, verdict, score déclaré dans la grille, écarts, informations ; puis un résumé.\n\
Écarts : score déclaré différent du score recalculé, saisies invalides, référentiel modifié, métadonnées absentes ou incohérentes, cellules calculées (vertes) écrasées par une valeur ou une autre formule (nommées).\n\
Informations (pas des écarts) : saisies faites après l'export, résultats des formules non enregistrés (outil qui ne recalcule pas), nombres saisis en texte à la française (« 84,5 », « 85 % »).\n\
Les dossiers sont parcourus récursivement (fichiers .xlsx) ; les grilles sont lues en parallèle ; un fichier illisible est signalé et le lot continue.\n\
Codes de sortie : 0 toutes les grilles sont conformes ou seulement incomplètes ; 1 au moins une grille illisible ou avec un écart ; 2 erreur d'utilisation."
    )]
    Verify {
        /// Identifiant du référentiel attendu (sinon : tous les référentiels disponibles).
        #[arg(long, value_name = "ID|FICHIER")]
        catalog: Option<String>,
        /// Fichiers .xlsx ou dossiers.
        #[arg(value_name = "CHEMIN", required = true)]
        paths: Vec<PathBuf>,
        /// Sortie JSON détaillée.
        #[arg(long)]
        json: bool,
        /// Rapport détaillé : .csv (séparateur ;) ou .xlsx.
        #[arg(short = 'o', long = "output", value_name = "RAPPORT.csv|RAPPORT.xlsx")]
        output: Option<PathBuf>,
        /// Revue de l'agence (classeur de « caqes review » ou CSV finess;indicateur;champ;valeur;motif[;version;date]), répétable : la version la plus récente par établissement s'applique.
        #[arg(long, value_name = "REVUE.xlsx|REVUE.csv")]
        review: Vec<PathBuf>,
        /// Données fournies par l'agence (CSV finess;indicateur;champ;valeur), répétable.
        #[arg(long, value_name = "DONNEES.csv")]
        data: Vec<PathBuf>,
    },
    /// Consolider une campagne : synthèse régionale des grilles reçues (classeur Excel).
    #[command(
        help_template = HELP_TEMPLATE,
        after_help = "Feuilles : Établissements, Synthèse régionale, Indicateurs, Intéressement (avec --envelope), Erreurs ; graphiques natifs.\n\
L'historique (CSV ou JSON : finess, annee, score, interesse) donne les années précédentes ; les sorties --json et --csv de cette commande sont un historique valide.\n\
Sans l'année précédente dans l'historique, la progression reste vide et le nombre de « nouvellement intéressés » est « non calculable ».\n\
Une grille illisible est listée dans la feuille Erreurs et le lot continue (code de sortie 1)."
    )]
    Campaign {
        /// Identifiant du référentiel (ex. na-ako-2024) ou chemin d'un fichier .toml.
        #[arg(long, value_name = "ID|FICHIER")]
        catalog: String,
        /// Dossier des grilles .xlsx reçues (parcouru récursivement).
        #[arg(value_name = "DOSSIER")]
        grids: PathBuf,
        /// Résultats des années précédentes (CSV ou JSON), répétable : progression, nouvellement intéressés.
        #[arg(long, value_name = "FICHIER")]
        history: Vec<PathBuf>,
        /// Cibles personnalisées : CSV finess;indicateur;cible.
        #[arg(long, value_name = "FICHIER")]
        targets: Option<PathBuf>,
        /// Enveloppe d'intéressement (FIR) à répartir, en euros.
        #[arg(long, value_name = "EUROS")]
        envelope: Option<String>,
        /// Clé de répartition : parts égales, prorata du score ou du nombre de lits.
        #[arg(long, value_name = "CLE", default_value = "equal", value_parser = ["equal", "score", "beds"])]
        key: String,
        /// Classeur de synthèse à écrire (.xlsx).
        #[arg(short = 'o', long = "output", value_name = "SYNTHESE.xlsx")]
        output: PathBuf,
        /// Sortie JSON (synthèse complète et historique).
        #[arg(long)]
        json: bool,
        /// Tableau des établissements en CSV (séparateur ;).
        #[arg(long, value_name = "FICHIER")]
        csv: Option<PathBuf>,
        /// Revue de l'agence (classeur de « caqes review » ou CSV), répétable : la version la plus récente par établissement s'applique ; les chiffres régionaux et l'enveloppe utilisent alors le résultat officiel.
        #[arg(long, value_name = "REVUE.xlsx|REVUE.csv")]
        review: Vec<PathBuf>,
        /// Données fournies par l'agence (CSV finess;indicateur;champ;valeur), répétable.
        #[arg(long, value_name = "DONNEES.csv")]
        data: Vec<PathBuf>,
    },
    /// Rapports d'évaluation : un PDF (ou une page HTML imprimable) par établissement.
    #[command(
        help_template = HELP_TEMPLATE,
        after_help = "Un fichier par établissement dans DOSSIER : <finess>-<nom>.pdf (nom réduit aux lettres et chiffres ASCII).\n\
Contenu : campagne, identification, tableau par volet (valeur et points auto-évalués, valeur et points retenus, motif de l'agence), score officiel et verdict, progression, montant d'intéressement, éléments de preuve manquants, période contradictoire.\n\
Polices incluses dans le PDF ; écriture atomique ; un fichier en erreur est signalé et le lot continue (code de sortie 1)."
    )]
    Report {
        /// Identifiant du référentiel (ex. na-ako-2024) ou chemin d'un fichier .toml.
        #[arg(long, value_name = "ID|FICHIER")]
        catalog: String,
        /// Dossier des grilles .xlsx reçues (parcouru récursivement).
        #[arg(value_name = "DOSSIER_GRILLES")]
        grids: PathBuf,
        /// Dossier où écrire les rapports.
        #[arg(short = 'o', long = "output", value_name = "DOSSIER")]
        output: PathBuf,
        /// Format : pdf (par défaut) ou html (page imprimable).
        #[arg(long, value_name = "FORMAT", default_value = "pdf", value_parser = ["pdf", "html"])]
        format: String,
        /// Revue de l'agence (classeur ou CSV), répétable.
        #[arg(long, value_name = "REVUE.xlsx|REVUE.csv")]
        review: Vec<PathBuf>,
        /// Données fournies par l'agence (CSV finess;indicateur;champ;valeur ; champ « economies » : économies en euros d'un indicateur national), répétable.
        #[arg(long, value_name = "DONNEES.csv")]
        data: Vec<PathBuf>,
        /// Résultats des années précédentes (CSV ou JSON), répétable.
        #[arg(long, value_name = "FICHIER")]
        history: Vec<PathBuf>,
        /// Enveloppe d'intéressement (FIR) à répartir, en euros.
        #[arg(long, value_name = "EUROS")]
        envelope: Option<String>,
        /// Clé de répartition de l'enveloppe.
        #[arg(long, value_name = "CLE", default_value = "equal", value_parser = ["equal", "score", "beds"])]
        key: String,
        /// Ouverture de la période contradictoire (JJ/MM/AAAA).
        #[arg(long, value_name = "JJ/MM/AAAA")]
        contradictoire: Option<String>,
        /// Fin de la période contradictoire (JJ/MM/AAAA ; par défaut ouverture + 30 jours).
        #[arg(long = "fin-contradictoire", value_name = "JJ/MM/AAAA")]
        fin_contradictoire: Option<String>,
    },
    /// Écrire le classeur de revue de l'agence : une ligne par établissement et par champ d'indicateur.
    #[command(
        help_template = HELP_TEMPLATE,
        after_help = "Cellules grises verrouillées : valeur auto-évaluée, statut, points. Cellules roses : Décision (Validé / Corrigé / Refusé), Valeur retenue, Motif.\n\
La feuille Synthèse montre le score auto-évalué et le score officiel (formules recalculées à chaque décision).\n\
Relire la revue : caqes verify --review revue.xlsx … ou caqes campaign --review revue.xlsx …\n\
Un fichier existant n'est jamais écrasé. Revue révisée : caqes review … --review revue-v1.xlsx -o revue-v2.xlsx (décisions reprises, version 2).\n\
Période contradictoire : … --review revue-v1.xlsx --reponses reponses/ -o revue-v2.xlsx (réponse et commentaire de l'établissement à côté de chaque décision)."
    )]
    Review {
        /// Identifiant du référentiel (ex. na-ako-2024) ou chemin d'un fichier .toml.
        #[arg(long, value_name = "ID|FICHIER")]
        catalog: String,
        /// Dossier des grilles .xlsx reçues (parcouru récursivement).
        #[arg(value_name = "DOSSIER")]
        grids: PathBuf,
        /// Classeur de revue à écrire (.xlsx).
        #[arg(short = 'o', long = "output", value_name = "REVUE.xlsx")]
        output: PathBuf,
        /// Données fournies par l'agence (CSV finess;indicateur;champ;valeur) : lignes pré-remplies « Corrigé ».
        #[arg(long, value_name = "DONNEES.csv")]
        data: Vec<PathBuf>,
        /// Revue(s) précédente(s) (classeur ou CSV) : leurs décisions sont pré-remplies (revue révisée).
        #[arg(long, value_name = "REVUE.xlsx|REVUE.csv")]
        review: Vec<PathBuf>,
        /// Numéro de version de la revue (par défaut : 1, ou la plus haute version des --review + 1).
        #[arg(long, value_name = "N")]
        revision: Option<u32>,
        /// Date de la revue (JJ/MM/AAAA ; par défaut aujourd'hui).
        #[arg(long, value_name = "JJ/MM/AAAA")]
        date: Option<String>,
        /// Réponses des établissements au rapport (CSV du formulaire, ou dossier de CSV), répétable : affichées à côté de chaque décision.
        #[arg(long = "reponses", value_name = "FICHIER|DOSSIER")]
        reponses: Vec<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum CatalogCommand {
    /// Lister les référentiels disponibles.
    #[command(help_template = HELP_TEMPLATE)]
    List,
    /// Vérifier des fichiers de référentiel (toutes les erreurs, avec fichier, ligne et champ).
    #[command(help_template = HELP_TEMPLATE)]
    Check {
        /// Fichiers .toml à vérifier.
        #[arg(value_name = "FICHIER", required = true)]
        files: Vec<PathBuf>,
    },
    /// Afficher un référentiel résolu pour son année.
    #[command(help_template = HELP_TEMPLATE)]
    Show {
        /// Identifiant (ex. na-ako-2024).
        id: String,
        /// Sortie JSON au lieu de TOML.
        #[arg(long)]
        json: bool,
    },
    /// Lister les valeurs supposées (« supposé » : non données par les sources) d'un référentiel, ou de tous.
    #[command(help_template = HELP_TEMPLATE)]
    Assumed {
        /// Identifiant (ex. na-ako-2025) ; sans identifiant, tous les référentiels.
        id: Option<String>,
        /// Tableaux Markdown (ceux d'indicators/README.md).
        #[arg(long)]
        markdown: bool,
    },
    /// Afficher le schéma JSON du format de référentiel (ou des réponses avec --answers).
    #[command(help_template = HELP_TEMPLATE)]
    Schema {
        /// Schéma du document de réponses d'un établissement.
        #[arg(long)]
        answers: bool,
    },
    /// Écrire un squelette de référentiel commenté (ID.toml), valide pour `catalog check`.
    #[command(help_template = HELP_TEMPLATE)]
    New {
        /// Identifiant de la famille de campagnes (minuscules, chiffres, « - »), ex. bretagne.
        id: String,
        /// Année de campagne du squelette.
        #[arg(long, default_value_t = 2026)]
        year: u16,
        /// Fichier à écrire (défaut : ID.toml ; « - » pour la sortie standard).
        #[arg(short, long, value_name = "FICHIER")]
        output: Option<PathBuf>,
    },
}

/// A failure reported to the user, with its exit code.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return clap_error(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_error(e),
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("erreur : {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Prints clap's errors in French (help and version go to stdout with code 0).
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ErrorKind};
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", e.render());
            return ExitCode::from(2);
        }
        _ => {}
    }
    let ctx = |k: ContextKind| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let message = match e.kind() {
        ErrorKind::InvalidSubcommand => format!(
            "commande inconnue « {} »",
            ctx(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::UnknownArgument => {
            format!("option inconnue « {} »", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::MissingRequiredArgument => format!(
            "argument obligatoire manquant : {}",
            ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::MissingSubcommand => "commande manquante".to_string(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => format!(
            "valeur invalide « {} » pour {}",
            ctx(ContextKind::InvalidValue),
            ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::ArgumentConflict => {
            format!(
                "arguments incompatibles ou en trop : {}",
                ctx(ContextKind::InvalidArg)
            )
        }
        _ => "arguments invalides".to_string(),
    };
    eprintln!("erreur : {message}\nVoir « caqes --help ».");
    ExitCode::from(2)
}

fn run(cli: Cli) -> Result<u8, Failure> {
    let source = catalogs::Source::new(cli.indicators.clone());
    match cli.command {
        Command::Catalog(CatalogCommand::List) => catalogs::list(&source),
        Command::Catalog(CatalogCommand::Check { files }) => catalogs::check(&files),
        Command::Catalog(CatalogCommand::Show { id, json }) => catalogs::show(&source, &id, json),
        Command::Catalog(CatalogCommand::Schema { answers }) => catalogs::schema(answers),
        Command::Catalog(CatalogCommand::New { id, year, output }) => {
            catalogs::new_skeleton(&id, year, output.as_deref())
        }
        Command::Catalog(CatalogCommand::Assumed { id, markdown }) => {
            catalogs::assumed(&source, id.as_deref(), markdown)
        }
        Command::Score {
            catalog,
            answers,
            json,
        } => score(&source, catalog.as_deref(), &answers, json),
        Command::Grid {
            catalog,
            answers,
            output,
        } => grid_cmd::grid(&source, catalog.as_deref(), answers.as_deref(), &output),
        Command::Verify {
            catalog,
            paths,
            json,
            output,
            review,
            data,
        } => verify::verify(
            &source,
            catalog.as_deref(),
            &paths,
            json,
            output.as_deref(),
            (&review, &data),
        ),
        Command::Review {
            catalog,
            grids,
            output,
            data,
            review,
            revision,
            date,
            reponses,
        } => review::review(
            &source,
            &review::Options {
                catalog: &catalog,
                grids: &grids,
                output: &output,
                data: &data,
                reviews: &review,
                version: revision,
                date: date.as_deref(),
                responses: &reponses,
            },
        ),
        Command::Report {
            catalog,
            grids,
            output,
            format,
            review,
            data,
            history,
            envelope,
            key,
            contradictoire,
            fin_contradictoire,
        } => evaluation::report(
            &source,
            &evaluation::Options {
                catalog: &catalog,
                grids: &grids,
                review: &review,
                data: &data,
                history: &history,
                envelope: envelope.as_deref(),
                key: parse_key(&key),
                contradictory: contradictoire.as_deref(),
                contradictory_end: fin_contradictoire.as_deref(),
                output: &output,
                format: if format == "html" {
                    evaluation::Format::Html
                } else {
                    evaluation::Format::Pdf
                },
            },
        ),
        Command::Campaign {
            catalog,
            grids,
            history,
            targets,
            envelope,
            key,
            output,
            json,
            csv,
            review,
            data,
        } => campaign::campaign(
            &source,
            &campaign::Options {
                catalog: &catalog,
                grids: &grids,
                history: &history,
                targets: targets.as_deref(),
                envelope: envelope.as_deref(),
                key: parse_key(&key),
                output: &output,
                json,
                csv: csv.as_deref(),
                review: &review,
                data: &data,
            },
        ),
    }
}

/// The envelope key named on the command line.
fn parse_key(key: &str) -> caqes_campaign::Key {
    match key {
        "score" => caqes_campaign::Key::Score,
        "beds" => caqes_campaign::Key::Beds,
        _ => caqes_campaign::Key::Equal,
    }
}

/// Reads and parses an answers file.
pub fn read_answers(answers_path: &std::path::Path) -> Result<caqes_engine::Answers, Failure> {
    let text = std::fs::read(answers_path).map_err(|e| {
        Failure::input(format!(
            "lecture impossible de « {} » : {}",
            answers_path.display(),
            catalogs::io_message(&e)
        ))
    })?;
    let text = String::from_utf8(text).map_err(|_| {
        Failure::input(format!(
            "« {} » n'est pas un texte UTF-8 (fichier JSON attendu)",
            answers_path.display()
        ))
    })?;
    caqes_engine::Answers::from_json(&text)
        .map_err(|e| Failure::input(format!("{} : {e}", answers_path.display())))
}

fn score(
    source: &catalogs::Source,
    catalog: Option<&str>,
    answers_path: &std::path::Path,
    json: bool,
) -> Result<u8, Failure> {
    let answers = read_answers(answers_path)?;
    let catalog = source.resolve(catalog, &answers.catalog)?;
    let evaluation = caqes_engine::evaluate(&catalog, &answers);
    if json {
        let out = serde_json::to_string_pretty(&evaluation)
            .map_err(|e| Failure::input(format!("sérialisation impossible : {e}")))?;
        println!("{out}");
    } else {
        let gains = caqes_engine::best_gains(&catalog, &answers, &evaluation, 5);
        print!("{}", report::human(&catalog, &evaluation, &gains));
    }
    Ok(if evaluation.state == caqes_engine::State::Invalid {
        1
    } else {
        0
    })
}
