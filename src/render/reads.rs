//! Which parts of a page's context the site's templates can read, worked
//! out from their syntax trees: a page whose readable context is as it was
//! renders to the same bytes, so a build can keep it without rendering it
//! (`render::digest`). Every page context holds the site's sections with
//! their article counts, and every author box its author's count; the
//! built-in templates print neither, and a new article then changes only
//! the pages that show it.
//!
//! The answer may only ever be too wide, never too narrow: a read that is
//! missed keeps a page that changed. So every name a template uses is
//! read in full (`{{ article.tags }}` reads every tag's every field) unless
//! it only walks down to a part (`article.title`); a loop's or `set`'s
//! name stands for what it was given, in every template (names are not
//! scoped: a wider answer); and anything not followed here (a filter, a
//! macro's argument, a key worked out at render time) reads all of what it
//! is given. `__tera_context` reads everything.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use tera::ast::{Expr, ExprVal, Node};

/// Tera's name for the whole context.
const WHOLE_CONTEXT: &str = "__tera_context";

/// How many names deep a `set` or loop name may stand for another before
/// the whole context counts as read (a name set from itself in a loop).
const MOST_ALIAS_DEPTH: usize = 16;

/// One step of a path into the context.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Step {
    /// A field or map key by name.
    Key(String),
    /// Any field, key or list item: a number or a key worked out when the
    /// page renders.
    Any,
}

/// The parts of a context that can be read, as a tree of names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Reads {
    /// Everything below is read.
    whole: bool,
    /// Fields and keys by name (after [`Reads::settle`], each also holds
    /// what `any` reads).
    fields: BTreeMap<String, Reads>,
    /// What is read of every field, key and list item.
    any: Option<Box<Reads>>,
}

/// What reads everything: the child of a whole part.
static WHOLE: Reads = Reads::everything();

impl Reads {
    /// What the templates of `asts` can read of the context they render
    /// with: every template's, macros' and blocks' nodes.
    pub(crate) fn of<'t>(asts: impl IntoIterator<Item = &'t tera::Template>) -> Reads {
        let mut walk = Walk::default();
        for template in asts {
            walk.nodes(&template.ast);
            for definition in template.macros.values() {
                walk.nodes(&definition.body);
                for default in definition.args.values().flatten() {
                    walk.expr(default);
                }
            }
            for block in template.blocks.values() {
                walk.nodes(&block.body);
            }
        }
        walk.into_reads()
    }

    /// Nothing read.
    pub(crate) const fn nothing() -> Reads {
        Reads {
            whole: false,
            fields: BTreeMap::new(),
            any: None,
        }
    }

    /// Everything.
    pub(crate) const fn everything() -> Reads {
        Reads {
            whole: true,
            fields: BTreeMap::new(),
            any: None,
        }
    }

    /// Whether everything below here is read.
    pub(crate) fn is_whole(&self) -> bool {
        self.whole
    }

    /// What is read of the field or key `name`; None if nothing.
    pub(crate) fn field(&self, name: &str) -> Option<&Reads> {
        if self.whole {
            return Some(&WHOLE);
        }
        self.fields.get(name).or(self.any.as_deref())
    }

    /// What is read of each item of a list; None if no item is.
    pub(crate) fn item(&self) -> Option<&Reads> {
        if self.whole {
            return Some(&WHOLE);
        }
        self.any.as_deref()
    }

    fn add(&mut self, path: &[Step], whole: bool) {
        let mut node = self;
        for step in path {
            if node.whole {
                return;
            }
            node = match step {
                Step::Key(name) => node.fields.entry(name.clone()).or_default(),
                Step::Any => node.any.get_or_insert_with(Default::default),
            };
        }
        if whole {
            *node = WHOLE.clone();
        }
    }

    /// Merges what `any` reads into each named field, so that a lookup
    /// needs one of the two, not both.
    fn settle(&mut self) {
        if self.whole {
            self.fields.clear();
            self.any = None;
            return;
        }
        if let Some(any) = &mut self.any {
            any.settle();
            let any = (**any).clone();
            for field in self.fields.values_mut() {
                field.merge(&any);
            }
        }
        for field in self.fields.values_mut() {
            field.settle();
        }
    }

    fn merge(&mut self, other: &Reads) {
        if self.whole || other.whole {
            *self = WHOLE.clone();
            return;
        }
        for (name, reads) in &other.fields {
            self.fields.entry(name.clone()).or_default().merge(reads);
        }
        if let Some(any) = &other.any {
            self.any.get_or_insert_with(Default::default).merge(any);
        }
    }
}

/// The paths every template reads, and what each loop's or `set`'s name
/// stands for, gathered before they are put together.
#[derive(Default)]
struct Walk {
    /// Each path read, and whether in full.
    read: BTreeSet<(Vec<Step>, bool)>,
    /// Each name → the paths it was given (`for x in a.b` → `a.b.*`).
    aliases: HashMap<String, BTreeSet<Vec<Step>>>,
    everything: bool,
}

impl Walk {
    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            match node {
                Node::VariableBlock(_, expr) => self.expr(expr),
                Node::Set(_, set) => match bare_ident(&set.value) {
                    Some(path) => self.alias(&set.key, path),
                    None => self.expr(&set.value),
                },
                Node::FilterSection(_, section, _) => {
                    section.filter.args.values().for_each(|e| self.expr(e));
                    self.nodes(&section.body);
                }
                Node::Block(_, block, _) => self.nodes(&block.body),
                Node::MacroDefinition(_, definition, _) => {
                    self.nodes(&definition.body);
                    definition
                        .args
                        .values()
                        .flatten()
                        .for_each(|e| self.expr(e));
                }
                Node::Forloop(_, forloop, _) => {
                    match (bare_ident(&forloop.container), &forloop.key) {
                        // `for x in a.b`: the list's length, and what `x`
                        // reads of each item.
                        (Some(path), None) => {
                            self.read.insert((path.clone(), false));
                            let mut item = path;
                            item.push(Step::Any);
                            self.alias(&forloop.value, item);
                        }
                        // A map's keys, or a list made by a filter: all.
                        _ => self.expr(&forloop.container),
                    }
                    self.nodes(&forloop.body);
                    self.nodes(forloop.empty_body.as_deref().unwrap_or_default());
                }
                Node::If(branches, _) => {
                    for (_, condition, body) in &branches.conditions {
                        self.condition(condition);
                        self.nodes(body);
                    }
                    if let Some((_, body)) = &branches.otherwise {
                        self.nodes(body);
                    }
                }
                Node::Super
                | Node::Text(_)
                | Node::Extends(..)
                | Node::Include(..)
                | Node::ImportMacro(..)
                | Node::Raw(..)
                | Node::Break(_)
                | Node::Continue(_)
                | Node::Comment(..) => {}
            }
        }
    }

    fn alias(&mut self, name: &str, path: Vec<Step>) {
        self.aliases
            .entry(name.to_string())
            .or_default()
            .insert(path);
    }

    /// An `if`'s condition: a name alone (`{% if articles %}`, `not`
    /// or not) reads only whether it is empty, which a digest tells by
    /// the length of what it names and what of it is read elsewhere;
    /// `and` and `or` join conditions; anything else is read in full.
    fn condition(&mut self, expr: &Expr) {
        if !expr.filters.is_empty() {
            return self.expr(expr);
        }
        match &expr.val {
            ExprVal::Ident(ident) if !ident.starts_with(WHOLE_CONTEXT) => {
                let mut inner = Vec::new();
                let path = parse_ident(ident, &mut inner);
                match inner.is_empty() {
                    true => {
                        self.read.insert((path, false));
                    }
                    false => self.ident(ident),
                }
            }
            ExprVal::Logic(logic)
                if matches!(
                    logic.operator,
                    tera::ast::LogicOperator::And | tera::ast::LogicOperator::Or
                ) =>
            {
                self.condition(&logic.lhs);
                self.condition(&logic.rhs);
            }
            _ => self.expr(expr),
        }
    }

    /// An expression's every name, read in full, and its filters'
    /// arguments.
    fn expr(&mut self, expr: &Expr) {
        self.value(&expr.val);
        for filter in &expr.filters {
            filter.args.values().for_each(|e| self.expr(e));
        }
    }

    fn value(&mut self, value: &ExprVal) {
        match value {
            ExprVal::Ident(ident) => self.ident(ident),
            ExprVal::Test(test) => {
                self.ident(&test.ident);
                test.args.iter().for_each(|e| self.expr(e));
            }
            ExprVal::MacroCall(call) => call.args.values().for_each(|e| self.expr(e)),
            ExprVal::FunctionCall(call) => call.args.values().for_each(|e| self.expr(e)),
            ExprVal::Math(math) => {
                self.expr(&math.lhs);
                self.expr(&math.rhs);
            }
            ExprVal::Logic(logic) => {
                self.expr(&logic.lhs);
                self.expr(&logic.rhs);
            }
            ExprVal::In(test) => {
                self.expr(&test.lhs);
                self.expr(&test.rhs);
            }
            ExprVal::Array(items) => items.iter().for_each(|e| self.expr(e)),
            ExprVal::StringConcat(concat) => concat.values.iter().for_each(|v| self.value(v)),
            ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => {}
        }
    }

    /// A name read in full, and the names inside its brackets.
    fn ident(&mut self, ident: &str) {
        if ident == WHOLE_CONTEXT || ident.starts_with("__tera_context.") {
            self.everything = true;
            return;
        }
        let mut inner = Vec::new();
        let path = parse_ident(ident, &mut inner);
        self.read.insert((path, true));
        for ident in inner {
            self.ident(&ident);
        }
    }

    fn into_reads(self) -> Reads {
        let mut reads = Reads::default();
        if self.everything {
            return WHOLE.clone();
        }
        for (path, whole) in &self.read {
            let mut paths = BTreeSet::new();
            if !self.expand(path, 0, &mut paths) {
                return WHOLE.clone();
            }
            for path in paths {
                reads.add(&path, *whole);
            }
        }
        reads.settle();
        reads
    }

    /// `path` as it is, and with its first name replaced by each path that
    /// name was given, and so on; false when the names stand for each
    /// other too deeply to follow.
    fn expand(&self, path: &[Step], depth: usize, out: &mut BTreeSet<Vec<Step>>) -> bool {
        if depth > MOST_ALIAS_DEPTH {
            return false;
        }
        if !out.insert(path.to_vec()) {
            return true;
        }
        let Some(Step::Key(first)) = path.first() else {
            return true;
        };
        for given in self.aliases.get(first).into_iter().flatten() {
            let mut whole = given.clone();
            whole.extend_from_slice(&path[1..]);
            if !self.expand(&whole, depth + 1, out) {
                return false;
            }
        }
        true
    }
}

/// The path of an expression that is a name alone (no filter, no `not`).
fn bare_ident(expr: &Expr) -> Option<Vec<Step>> {
    match &expr.val {
        ExprVal::Ident(ident)
            if expr.filters.is_empty() && !expr.negated && !ident.starts_with(WHOLE_CONTEXT) =>
        {
            let mut inner = Vec::new();
            let path = parse_ident(ident, &mut inner);
            // A key worked out from another name: followed as a read.
            inner.is_empty().then_some(path)
        }
        _ => None,
    }
}

/// `a.b[0]["c"][d.e]` as steps (`a`, `b`, any, `c`, any); the names inside
/// brackets (`d.e`) go to `inner`, to be read too.
fn parse_ident(ident: &str, inner: &mut Vec<String>) -> Vec<Step> {
    let mut steps = Vec::new();
    let bytes = ident.as_bytes();
    let mut i = 0;
    let mut name = String::new();
    let named = |name: &mut String, steps: &mut Vec<Step>| {
        if !name.is_empty() {
            let step = if name.bytes().all(|b| b.is_ascii_digit()) {
                Step::Any
            } else {
                Step::Key(std::mem::take(name))
            };
            name.clear();
            steps.push(step);
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            b'.' => {
                named(&mut name, &mut steps);
                i += 1;
            }
            b'[' => {
                named(&mut name, &mut steps);
                // The matching bracket: names in brackets may have their own.
                let mut depth = 0;
                let mut end = i;
                for (j, &b) in bytes.iter().enumerate().skip(i) {
                    match b {
                        b'[' => depth += 1,
                        b']' => {
                            depth -= 1;
                            if depth == 0 {
                                end = j;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                if end <= i {
                    // Not Tera's syntax: anything may be read.
                    steps.push(Step::Any);
                    break;
                }
                let key = &ident[i + 1..end];
                let quoted = key.len() >= 2
                    && matches!(key.as_bytes()[0], b'"' | b'\'' | b'`')
                    && key.as_bytes()[key.len() - 1] == key.as_bytes()[0];
                if quoted {
                    steps.push(Step::Key(key[1..key.len() - 1].to_string()));
                } else {
                    if key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                        inner.push(key.to_string());
                    }
                    steps.push(Step::Any);
                }
                i = end + 1;
            }
            b => {
                name.push(b as char);
                i += 1;
            }
        }
    }
    named(&mut name, &mut steps);
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(templates: &[(&str, &str)]) -> Reads {
        let parsed: Vec<tera::Template> = templates
            .iter()
            .map(|(name, text)| tera::Template::new(name, None, text).unwrap())
            .collect();
        Reads::of(&parsed)
    }

    fn reads_path(reads: &Reads, path: &str) -> bool {
        let mut node = reads;
        for step in path.split('.') {
            node = match step {
                "*" => match node.item() {
                    Some(n) => n,
                    None => return false,
                },
                name => match node.field(name) {
                    Some(n) => n,
                    None => return false,
                },
            };
        }
        true
    }

    #[test]
    fn names_parse_into_steps_with_bracketed_names_read_too() {
        let mut inner = Vec::new();
        let steps = parse_ident("a.b[0][\"c d\"][e.f].1", &mut inner);
        let key = |s: &str| Step::Key(s.to_string());
        assert_eq!(
            steps,
            vec![
                key("a"),
                key("b"),
                Step::Any,
                key("c d"),
                Step::Any,
                Step::Any
            ]
        );
        assert_eq!(inner, vec!["e.f".to_string()]);
    }

    #[test]
    fn a_walk_down_reads_only_that_part_and_a_loop_name_stands_for_its_items() {
        let reads = reads(&[(
            "a.html",
            "{{ site.title }}{% for s in site.sections %}{{ s.url }}{% endfor %}\
             {% set first = articles.0 %}{{ first.title }}",
        )]);
        assert!(reads_path(&reads, "site.title"));
        assert!(reads_path(&reads, "site.sections.*.url"));
        assert!(!reads_path(&reads, "site.sections.*.count"), "{reads:#?}");
        assert!(!reads_path(&reads, "site.menu"));
        assert!(reads_path(&reads, "articles.*.title"));
        assert!(!reads_path(&reads, "articles.*.summary"));
        assert!(!reads_path(&reads, "authors"));
    }

    #[test]
    fn a_condition_on_a_name_reads_whether_it_is_empty() {
        let reads = reads(&[(
            "a.html",
            "{% if articles and not site.breaking %}{% for a in articles %}{{ a.url }}{% endfor %}{% endif %}",
        )]);
        assert!(reads_path(&reads, "articles.*.url"));
        assert!(!reads_path(&reads, "articles.*.title"));
        // Read, but not in full: its length and what is read of it.
        assert!(reads_path(&reads, "site.breaking"));
        assert!(!reads_path(&reads, "site.breaking.text"));
    }

    #[test]
    fn what_is_not_followed_reads_all_it_is_given() {
        let reads = reads(&[
            ("a.html", "{{ site.sections | json_encode }}"),
            ("b.html", "{% for k, v in site.extra %}{{ v }}{% endfor %}"),
            (
                "c.html",
                "{% for a in authors | slice(end=2) %}{{ a.name }}{% endfor %}",
            ),
            ("d.html", "{{ article[name] }}"),
            (
                "e.html",
                "{% macro m(x) %}{{ x.count }}{% endmacro %}{{ self::m(x=term) }}",
            ),
        ]);
        assert!(reads_path(&reads, "site.sections.*.count"));
        assert!(reads_path(&reads, "site.extra.anything"));
        assert!(reads_path(&reads, "authors.*.article_count"));
        assert!(reads_path(&reads, "article.any_field.below"));
        assert!(reads_path(&reads, "name"));
        assert!(reads_path(&reads, "term.count"));
        assert!(!reads_path(&reads, "site.title"));
    }

    #[test]
    fn names_given_in_one_template_are_followed_in_every_other() {
        let reads = reads(&[
            (
                "list.html",
                "{% for article in articles %}{% include \"card.html\" %}{% endfor %}",
            ),
            ("card.html", "{{ article.title }}"),
        ]);
        assert!(reads_path(&reads, "articles.*.title"));
        assert!(reads_path(&reads, "article.title"));
        assert!(!reads_path(&reads, "articles.*.summary"));
    }

    #[test]
    fn the_whole_context_or_names_given_each_other_in_a_loop_read_everything() {
        let everything = |r: &Reads| r.is_whole();
        assert!(everything(&reads(&[("a.html", "{{ __tera_context }}")])));
        assert!(everything(&reads(&[(
            "a.html",
            "{% set a = b.x %}{% set b = a.y %}{{ a.z }}"
        )])));
    }
}
