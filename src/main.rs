//! The `gazette` command: parse the arguments, run, report, exit.

use clap::Parser;
use gazette::build::{BuildReport, build};
use gazette::check::check;
use gazette::cli::{
    BuildArgs, CheckArgs, Cli, Command, ImportFrom, InitArgs, NewArgs, ServeArgs, StatusArgs,
};
use gazette::diagnostics::Diagnostic;
use std::process::ExitCode;

// Building a site allocates millions of small strings and maps on every
// core; mimalloc does that markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        end_quietly_on_a_closed_pipe();
    }
    match cli.command {
        Command::Build(args) => run_build(args),
        Command::Check(args) => run_check(args),
        Command::Status(args) => run_status(args),
        Command::Serve(args) => run_serve(args),
        Command::New(args) => run_new(args),
        Command::Init(args) => run_init(args),
        Command::Import(from) => run_import(from),
    }
}

/// A command whose output is piped into a reader that stops early
/// (`gazette status | head -1`) ends there, as `cat` or `git log` do, rather
/// than panicking on the first line it cannot print. Rust ignores the
/// broken-pipe signal for every program, so that a write fails instead;
/// every command but `serve` only prints its report once its work is done
/// (a build's output is already swapped in), so ending there loses nothing.
/// `serve` keeps the signal ignored: a browser closing its connection must
/// not end the server.
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default touches no
    // memory of this program; it runs before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn run_status(args: StatusArgs) -> ExitCode {
    let report = match gazette::status::status(&args.site.options()) {
        Ok(report) => report,
        Err(failure) => return report_failure(&failure.diagnostics, "nothing was read"),
    };
    for warning in &report.warnings {
        eprintln!("{warning}");
    }
    let time = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    };
    println!(
        "As of {}: {} published",
        time(Some(report.now)).unwrap_or_default(),
        plural(report.published, "article")
    );
    for (heading, list) in [
        ("Drafts", &report.drafts),
        ("Scheduled", &report.scheduled),
        ("Expiring", &report.expiring),
        ("Expired", &report.expired),
    ] {
        println!("{heading} ({})", list.len());
        for entry in list {
            match time(entry.at) {
                Some(at) => println!("  {at}  {}  {}", entry.file, entry.title),
                None => println!("  {}  {}", entry.file, entry.title),
            }
        }
    }
    ExitCode::SUCCESS
}

fn run_serve(args: ServeArgs) -> ExitCode {
    let build = args.site.options();
    let options = gazette::serve::ServeOptions {
        build,
        bind: args.bind,
        port: args.port,
    };
    match gazette::serve::serve(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => fail(&why),
    }
}

fn run_new(args: NewArgs) -> ExitCode {
    let article = gazette::scaffold::NewArticle {
        title: args.title,
        author: args.author,
        category: args.category,
        tags: args.tags,
    };
    match gazette::scaffold::new_article(&args.root, &article, chrono::Utc::now()) {
        Ok(path) => {
            println!("{}", path.display());
            eprintln!(
                "A draft: preview it with `gazette serve --drafts`, and remove `draft = true` to publish it."
            );
            ExitCode::SUCCESS
        }
        Err(gazette::scaffold::NewError::Config(diagnostics)) => {
            for d in &diagnostics {
                eprintln!("{d}");
            }
            ExitCode::from(1)
        }
        Err(gazette::scaffold::NewError::Refused(why)) => fail(&why),
    }
}

fn run_import(from: ImportFrom) -> ExitCode {
    use gazette::import::{Options, Source};
    let (source, into) = match from {
        ImportFrom::Wordpress {
            export,
            uploads,
            into,
        } => (Source::WordPress { export, uploads }, into),
        ImportFrom::Hugo { site, into } => (Source::Hugo(site), into),
        ImportFrom::Jekyll { site, into } => (Source::Jekyll(site), into),
    };
    let timezone = match into.timezone.as_deref().map(str::parse::<chrono_tz::Tz>) {
        None => None,
        Some(Ok(tz)) => Some(tz),
        Some(Err(_)) => {
            return fail(&format!(
                "--timezone {:?} is not an IANA timezone name, such as Asia/Hong_Kong or Europe/London",
                into.timezone.unwrap_or_default()
            ));
        }
    };
    let options = Options {
        into: into.into,
        force: into.force,
        timezone,
    };
    match gazette::import::run(&source, &options) {
        Ok(report) => {
            print!("{report}");
            eprintln!(
                "Next: `gazette build --root {0}` and `gazette check --root {0}`.",
                options.into.display()
            );
            ExitCode::SUCCESS
        }
        Err(why) => fail(&why.to_string()),
    }
}

fn run_init(args: InitArgs) -> ExitCode {
    match gazette::scaffold::init_site(&args.dir, chrono::Utc::now()) {
        Ok(files) => {
            for file in &files {
                println!("{}", args.dir.join(file).display());
            }
            eprintln!(
                "A new site in {}: run `gazette serve` there to see it, and set `base_url` in site.toml before publishing.",
                args.dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(why) => fail(&why),
    }
}

fn run_check(args: CheckArgs) -> ExitCode {
    match check(&args.site.options()) {
        Ok(report) => {
            for warning in &report.warnings {
                eprintln!("{warning}");
            }
            for problem in &report.problems {
                eprintln!("{problem}");
            }
            let summary = format!(
                "{} ({} pages, feeds and sitemaps read back, {} followed)",
                plural(report.files, "file"),
                report.scanned,
                plural(report.internal_references, "internal link"),
            );
            if report.problems.is_empty() {
                println!("Checked {summary}: no problems");
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "check failed: {} in {summary}",
                    plural(report.problems.len(), "problem")
                );
                ExitCode::from(1)
            }
        }
        // The check writes nothing, so it has no output to leave alone.
        Err(failure) => report_failure(&failure.diagnostics, "nothing was checked"),
    }
}

/// Prints a failed build's diagnostics and a closing line ending in
/// `outcome`; exit status 1.
fn report_failure(diagnostics: &[Diagnostic], outcome: &str) -> ExitCode {
    for diagnostic in diagnostics {
        eprintln!("{diagnostic}");
    }
    eprintln!(
        "{}",
        gazette::diagnostics::failure_line(diagnostics, outcome)
    );
    ExitCode::from(1)
}

fn run_build(args: BuildArgs) -> ExitCode {
    let quiet = args.quiet;
    let mut options = args.site.options();
    options.output = args.output;
    options.base_url = args.base_url;
    options.full = args.full;
    match build(&options) {
        Ok(report) => {
            for warning in &report.warnings {
                eprintln!("{warning}");
            }
            for note in &report.notes {
                eprintln!("note: {note}");
            }
            if !quiet {
                print_summary(&report);
            }
            if std::env::var_os("GAZETTE_TIMINGS").is_some() {
                for (stage, took, peak) in &report.stages {
                    let peak =
                        peak.map_or(String::new(), |kib| format!("{:>6} MiB peak", kib / 1024));
                    eprintln!("{:>8.1} ms {peak}  {stage}", took.as_secs_f64() * 1000.0);
                }
            }
            ExitCode::SUCCESS
        }
        Err(failure) => report_failure(&failure.diagnostics, "the previous output is untouched"),
    }
}

/// A command that could not start or finish: the reason, exit status 1.
fn fail(why: &str) -> ExitCode {
    eprintln!("error: {why}");
    ExitCode::from(1)
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn print_summary(r: &BuildReport) {
    if r.nothing_changed {
        println!(
            "Nothing changed since the last build: kept {} of {}, {} and {} in {} ({} ms)",
            plural(r.files, "file"),
            plural(r.articles, "article"),
            plural(r.pages, "page"),
            plural(r.authors, "author"),
            r.output.display(),
            r.elapsed.as_millis()
        );
        print_left_out(r);
        return;
    }
    match &r.rebuilt {
        Some((rendered, what)) => println!(
            "Rebuilt {} of {} ({what}) in {} ms: {}, {} and {} into {}",
            rendered,
            plural(r.files, "file"),
            r.elapsed.as_millis(),
            plural(r.articles, "article"),
            plural(r.pages, "page"),
            plural(r.authors, "author"),
            r.output.display(),
        ),
        None => println!(
            "Built {}, {} and {} into {} in {} ms",
            plural(r.articles, "article"),
            plural(r.pages, "page"),
            plural(r.authors, "author"),
            r.output.display(),
            r.elapsed.as_millis()
        ),
    }
    println!(
        "  {}: {} written, {} unchanged, {} stale removed",
        plural(r.files, "file"),
        r.files_changed,
        r.files - r.files_changed,
        r.files_removed
    );
    if r.images.processed + r.images.cached > 0 {
        println!(
            "  images: {} processed, {} cached",
            r.images.processed, r.images.cached
        );
    }
    print_left_out(r);
}

/// What the build left out, and when the site next changes by itself.
fn print_left_out(r: &BuildReport) {
    let mut left_out = Vec::new();
    if r.drafts_left_out > 0 {
        left_out.push(format!("{} (--drafts)", plural(r.drafts_left_out, "draft")));
    }
    if r.scheduled_left_out > 0 {
        left_out.push(format!("{} scheduled (--future)", r.scheduled_left_out));
    }
    if r.expired_left_out > 0 {
        left_out.push(format!("{} expired", r.expired_left_out));
    }
    if !left_out.is_empty() {
        println!("  left out: {}", left_out.join(", "));
    }
    if let Some(next) = &r.next_change {
        println!(
            "  next change: {} {} at {}: build again then",
            next.file,
            next.what.verb(),
            next.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
}
