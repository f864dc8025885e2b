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
//! it only walks down to a part (`article.title`), and anything not
//! followed here (a filter, a macro's argument, a key worked out at render
//! time) reads all of what it is given. `__tera_context` reads everything.
//!
//! A loop's or `set`'s name stands for what it was given. Inside the loop
//! that gives it, that is all it stands for; elsewhere, only where Tera
//! could let it be seen (see [`Scope`]): a name given at the top of a
//! template or by `set_global`, or in a loop that includes a template or
//! holds a block, stands for what it was given in every template of the
//! page. So a theme may loop its related stories as `article` on the
//! article page without every related card being read as the page's own
//! article is.

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
    /// Each path read, and whether in full. A path starts at a name no
    /// loop around it gives (the context's, or one [`Walk::aliases`]
    /// follows).
    read: BTreeSet<(Vec<Step>, bool)>,
    /// Each name that can be seen beyond the loop that gives it → the
    /// paths it was given (`for x in a.b` → `a.b.*`).
    aliases: HashMap<String, BTreeSet<Vec<Step>>>,
    /// The loops around the node being walked, innermost last.
    scopes: Vec<Scope>,
    everything: bool,
}

/// A loop around the node being walked: the names it gives and what each
/// stands for. Tera looks a name up in the loops around it, innermost
/// first, then in the page's context. The loop's own name always answers
/// when used alone (`{{ x }}`); a path below it (`x.title`), or a name
/// `set` in the loop (which may not have run yet), answers only when the
/// value has that part, else Tera goes on looking outwards. A loop that
/// includes a template or holds a block (or calls `super()`) lets that
/// template or block see its names: those are followed in every template,
/// as a name given at the top of a template is.
struct Scope {
    /// The loop's own names (its value's, and its key's for a map).
    names: Vec<String>,
    /// Each name given here → the paths it stands for.
    given: HashMap<String, BTreeSet<Vec<Step>>>,
    /// Whether other templates' nodes can see this loop's names.
    seen_beyond: bool,
}

impl Walk {
    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            match node {
                Node::VariableBlock(_, expr) => self.expr(expr),
                Node::Set(_, set) => match bare_ident(&set.value) {
                    Some(path) => {
                        // Tera looks the value up when the `set` runs, used
                        // or not: it must be there, if not read in full.
                        let given = self.read_present(&path);
                        self.give(&set.key, set.global, given);
                    }
                    None => self.expr(&set.value),
                },
                Node::FilterSection(_, section, _) => {
                    section.filter.args.values().for_each(|e| self.expr(e));
                    self.nodes(&section.body);
                }
                Node::Block(_, block, _) => self.nodes(&block.body),
                Node::MacroDefinition(_, definition, _) => {
                    // A macro sees its arguments and the page's context,
                    // never the loops around its call.
                    let around = std::mem::take(&mut self.scopes);
                    self.nodes(&definition.body);
                    definition
                        .args
                        .values()
                        .flatten()
                        .for_each(|e| self.expr(e));
                    self.scopes = around;
                }
                Node::Forloop(_, forloop, _) => {
                    let mut scope = Scope {
                        names: vec![forloop.value.clone()],
                        given: HashMap::new(),
                        seen_beyond: shows_others(&forloop.body),
                    };
                    match (bare_ident(&forloop.container), &forloop.key) {
                        // `for x in a.b`: the list's length, and what `x`
                        // reads of each item.
                        (Some(path), None) => {
                            let items: BTreeSet<Vec<Step>> = (self.read_present(&path).into_iter())
                                .map(|mut list| {
                                    list.push(Step::Any);
                                    list
                                })
                                .collect();
                            scope.given.insert(forloop.value.clone(), items);
                        }
                        // A map's keys, or a list made by a filter: all.
                        _ => {
                            self.expr(&forloop.container);
                            scope.names.extend(forloop.key.iter().cloned());
                        }
                    }
                    if scope.seen_beyond {
                        for (name, paths) in &scope.given {
                            for path in paths {
                                self.alias(name, path.clone());
                            }
                        }
                    }
                    self.scopes.push(scope);
                    self.nodes(&forloop.body);
                    self.scopes.pop();
                    // An empty list's branch runs outside the loop.
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

    /// `name` given `paths` by a `set`: in the loop around it, unless it
    /// is global (`set_global`, or no loop is around it) or the loop lets
    /// others see it; then in every template.
    fn give(&mut self, name: &str, global: bool, paths: BTreeSet<Vec<Step>>) {
        let everywhere = match self.scopes.last_mut() {
            Some(scope) if !global => {
                let seen_beyond = scope.seen_beyond;
                (scope.given.entry(name.to_string()).or_default()).extend(paths.iter().cloned());
                seen_beyond
            }
            _ => true,
        };
        if everywhere {
            for path in paths {
                self.alias(name, path);
            }
        }
    }

    /// The paths `path` can stand for where it is used, each starting at
    /// a name no loop around gives: through the loops around it, innermost
    /// first, as Tera looks it up; the path itself too unless a loop's own
    /// name answers for it.
    fn resolve(&self, path: &[Step]) -> BTreeSet<Vec<Step>> {
        let mut out = BTreeSet::new();
        let Some(Step::Key(first)) = path.first() else {
            out.insert(path.to_vec());
            return out;
        };
        for scope in self.scopes.iter().rev() {
            for given in scope.given.get(first).into_iter().flatten() {
                let mut whole = given.clone();
                whole.extend_from_slice(&path[1..]);
                out.insert(whole);
            }
            // The loop's own name alone always answers; a part of it may
            // be missing, and then Tera looks further out.
            if path.len() == 1 && scope.names.iter().any(|n| n == first) {
                return out;
            }
        }
        out.insert(path.to_vec());
        out
    }

    /// Reads `path` (resolved through the loops around it).
    fn read_path(&mut self, path: &[Step], whole: bool) {
        for path in self.resolve(path) {
            self.read.insert((path, whole));
        }
    }

    /// Reads that `path` is there, not in full (a loop's list, a `set`'s
    /// value, which Tera looks up when the node runs), and gives the paths
    /// it resolved to.
    fn read_present(&mut self, path: &[Step]) -> BTreeSet<Vec<Step>> {
        let resolved = self.resolve(path);
        for path in &resolved {
            self.read.insert((path.clone(), false));
        }
        resolved
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
                    true => self.read_path(&path, false),
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
        self.read_path(&path, true);
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

/// Whether `nodes` include a template, hold a block or call `super()`
/// anywhere: the nodes of another template or block then run inside them
/// and see the names of the loops around (an included template's lookups
/// go on into the loops; Tera pushes no frame for a block, and refuses a
/// block inside a loop today, but one is counted all the same).
fn shows_others(nodes: &[Node]) -> bool {
    nodes.iter().any(|node| match node {
        Node::Include(..) | Node::Block(..) | Node::Super => true,
        Node::Forloop(_, forloop, _) => {
            shows_others(&forloop.body)
                || shows_others(forloop.empty_body.as_deref().unwrap_or_default())
        }
        Node::If(branches, _) => {
            (branches.conditions.iter()).any(|(_, _, body)| shows_others(body))
                || (branches.otherwise.as_ref()).is_some_and(|(_, body)| shows_others(body))
        }
        Node::FilterSection(_, section, _) => shows_others(&section.body),
        // A macro's body runs in a frame of its own, which stops lookups.
        Node::MacroDefinition(..) => false,
        _ => false,
    })
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
    fn a_loop_name_stands_for_its_items_inside_the_loop_only() {
        let reads = reads(&[(
            "article.html",
            "{{ article.title }}{% for article in related %}{{ article.card_html }}{% endfor %}\
             {% for x in related %}{% else %}{{ x.summary }}{% endfor %}",
        )]);
        assert!(reads_path(&reads, "article.title"));
        assert!(reads_path(&reads, "related.*.card_html"));
        // The page's own article is not read as a related card is...
        assert!(!reads_path(&reads, "related.*.title"), "{reads:#?}");
        // ...but a part a card lacks is looked up further out, in the
        // page's context: Tera goes on when the item has no such part.
        assert!(reads_path(&reads, "article.card_html"));
        // An empty list's branch runs outside the loop.
        assert!(reads_path(&reads, "x.summary"));
        assert!(!reads_path(&reads, "related.*.summary"));
    }

    #[test]
    fn a_set_value_is_read_whether_its_name_is_used_or_not() {
        // Tera looks `y.x` up when the `set` runs: pruned to nothing, the
        // page would fail to render.
        let reads = reads(&[(
            "a.html",
            "{% for a in items %}{% set x = y.x %}{% endfor %}",
        )]);
        assert!(reads_path(&reads, "y.x"));
        assert!(!reads_path(&reads, "y.x.title"), "{reads:#?}");
    }

    #[test]
    fn loops_around_loops_and_sets_resolve_outwards() {
        let reads = reads(&[(
            "a.html",
            "{% for a in articles %}{% set t = a.tags %}{% for tag in t %}{{ tag.name }}{% endfor %}\
             {% for a in a.authors %}{{ a }}{% endfor %}{% endfor %}{{ tag.slug }}{{ t.other.deep }}",
        )]);
        assert!(reads_path(&reads, "articles.*.tags.*.name"));
        // `tag` and `t` are not seen after the loop.
        assert!(!reads_path(&reads, "articles.*.tags.*.slug"), "{reads:#?}");
        assert!(!reads_path(&reads, "articles.*.tags.other.deep"));
        assert!(reads_path(&reads, "tag.slug"));
        // A loop over an outer loop's part, under the same name: its own
        // name alone is the inner item, in full.
        assert!(reads_path(&reads, "articles.*.authors.*.name"));
        assert!(!reads_path(&reads, "articles.*.title"));
    }

    #[test]
    fn loop_names_other_templates_can_see_are_followed_everywhere() {
        let reads = reads(&[
            (
                "list.html",
                "{% extends \"base.html\" %}\
                 {% block rest %}{% for s in sections %}{% set_global last = s %}{% endfor %}{% endblock rest %}",
            ),
            (
                "base.html",
                "{% for x in articles %}{% include \"item.html\" %}{% endfor %}\
                 {% block rest %}{% endblock rest %}{{ last.url }}",
            ),
            ("item.html", "{{ x.title }}"),
            (
                "macros.html",
                "{% macro m() %}{{ y.title }}{% endmacro m %}",
            ),
            (
                "page.html",
                "{% import \"macros.html\" as k %}{% for y in pages %}{{ k::m() }}{% endfor %}",
            ),
        ]);
        // An included template sees the names of the loops around the
        // include; anything `set_global` gives is seen everywhere.
        assert!(reads_path(&reads, "articles.*.title"));
        assert!(reads_path(&reads, "sections.*.url"));
        // A macro never sees the loops around its call.
        assert!(reads_path(&reads, "y.title"));
        assert!(!reads_path(&reads, "pages.*.title"), "{reads:#?}");
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
