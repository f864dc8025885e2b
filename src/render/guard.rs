//! Keeping templates bounded and private: a template from a pull request
//! must not overflow the stack, fill memory or print the build's secrets.
//!
//! - Recursion is refused before rendering: templates that include each
//!   other in a loop (guarded by `if` or not) and macros that call
//!   themselves, directly or through other macros. Tera keeps no depth
//!   count, so a recursion whose guard stays true overflows the stack and
//!   kills the process with no file named.
//! - `range` is checked: `step_by` of at least 1 and at most
//!   [`MAX_RANGE`] numbers (Tera's loops forever on `step_by=0`).
//! - `get_env` reads only variables named `GAZETTE_…`: CI tokens stay out
//!   of pages.
//! - A page may write at most [`MAX_PAGE_BYTES`].

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use tera::ast::{Expr, ExprVal, Node};

/// The most numbers one `range` call makes: a list of every page of a
/// hundred-year daily archive fits, a list that fills memory does not.
pub const MAX_RANGE: usize = 1_000_000;

/// The most bytes one rendered page may hold.
pub const MAX_PAGE_BYTES: usize = 512 * 1024 * 1024;

/// The prefix of the environment variables templates may read.
pub const ENV_PREFIX: &str = "GAZETTE_";

/// Replaces Tera's `range` and `get_env` with checked versions.
pub(crate) fn register_checked_functions(tera: &mut tera::Tera) {
    tera.register_function("range", checked_range);
    tera.register_function("get_env", prefixed_env);
}

fn int_arg(args: &HashMap<String, Value>, name: &str, default: Option<i64>) -> tera::Result<i64> {
    match args.get(name) {
        Some(value) => value.as_i64().ok_or_else(|| {
            tera::Error::msg(format!(
                "`range` takes a whole number for `{name}`, not {value}"
            ))
        }),
        None => default.ok_or_else(|| tera::Error::msg(format!("`range` needs `{name}`"))),
    }
}

fn checked_range(args: &HashMap<String, Value>) -> tera::Result<Value> {
    if let Some(unknown) = args
        .keys()
        .find(|k| !["start", "end", "step_by"].contains(&k.as_str()))
    {
        return Err(tera::Error::msg(format!(
            "`range` takes `start`, `end` and `step_by`, not `{unknown}`"
        )));
    }
    let start = int_arg(args, "start", Some(0))?;
    let end = int_arg(args, "end", None)?;
    let step = int_arg(args, "step_by", Some(1))?;
    if step < 1 {
        return Err(tera::Error::msg(format!(
            "`range` needs `step_by` of at least 1, not {step}: a step of 0 never reaches the end"
        )));
    }
    let count = if end > start {
        ((end - start) as u64).div_ceil(step as u64)
    } else {
        0
    };
    if count > MAX_RANGE as u64 {
        return Err(tera::Error::msg(format!(
            "`range(start={start}, end={end}, step_by={step})` would make {count} numbers; a template may make at most {MAX_RANGE}"
        )));
    }
    let numbers: Vec<Value> = (0..count as i64)
        .map(|i| Value::from(start + i * step))
        .collect();
    Ok(Value::Array(numbers))
}

fn prefixed_env(args: &HashMap<String, Value>) -> tera::Result<Value> {
    let name = args.get("name").and_then(Value::as_str).ok_or_else(|| {
        tera::Error::msg("`get_env` needs `name`, the variable's name, as a string")
    })?;
    if !name.starts_with(ENV_PREFIX) {
        return Err(tera::Error::msg(format!(
            "`get_env(name=\"{name}\")`: templates may read only environment variables whose names start with {ENV_PREFIX}, so a template cannot publish the build's secrets; set {ENV_PREFIX}{name} for the build instead"
        )));
    }
    match std::env::var(name) {
        Ok(value) => Ok(Value::String(value)),
        Err(_) => args.get("default").cloned().ok_or_else(|| {
            tera::Error::msg(format!(
                "the environment variable {name} is not set, and `get_env` was given no `default`"
            ))
        }),
    }
}

/// A page's output, refusing to grow past [`MAX_PAGE_BYTES`].
pub struct CappedWriter<'a> {
    pub out: &'a mut Vec<u8>,
}

impl io::Write for CappedWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.out.len() + bytes.len() > MAX_PAGE_BYTES {
            return Err(io::Error::other(format!(
                "the page would be larger than {} MiB: a loop in the template writes without end",
                MAX_PAGE_BYTES / 1024 / 1024
            )));
        }
        self.out.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A macro that calls itself, directly or through other macros: the
/// template it is defined in, and the calls around the loop
/// (`macros.html::tree → macros.html::tree`).
pub(crate) fn find_recursive_macro(
    templates: &BTreeMap<String, tera::Template>,
) -> Option<(String, String)> {
    // Each macro → the macros its body calls, as "file::name".
    let mut calls: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, template) in templates {
        let namespaces: HashMap<&str, &str> = template
            .imported_macro_files
            .iter()
            .map(|(imported, namespace)| (namespace.as_str(), imported.as_str()))
            .collect();
        for (name, definition) in &template.macros {
            let mut called = Vec::new();
            nodes_calls(&definition.body, &mut called);
            for args in definition.args.values().flatten() {
                expr_calls(args, &mut called);
            }
            let targets = called.into_iter().filter_map(|(namespace, callee)| {
                let target = if namespace == "self" {
                    file.as_str()
                } else {
                    namespaces.get(namespace.as_str())?
                };
                Some(format!("{target}::{callee}"))
            });
            calls
                .entry(format!("{file}::{name}"))
                .or_default()
                .extend(targets);
        }
    }
    let graph: BTreeMap<String, Vec<String>> = calls
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect();
    let cycle = find_cycle(&graph)?;
    let file = cycle[0].split("::").next().unwrap_or_default().to_string();
    Some((file, cycle.join(" → ")))
}

/// A loop in a graph of names (a template → the templates it uses, a macro
/// → the macros it calls), as the names around it, the first repeated at
/// the end.
pub(super) fn find_cycle(references: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    // 0: not seen, 1: on the current path, 2: done.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    fn visit<'a>(
        name: &'a str,
        references: &'a BTreeMap<String, Vec<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(name) {
            Some(2) => return None,
            Some(1) => {
                let start = path.iter().position(|n| *n == name).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..].iter().map(|n| n.to_string()).collect();
                cycle.push(name.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(name, 1);
        path.push(name);
        for next in references.get(name).into_iter().flatten() {
            if let Some(cycle) = visit(next, references, state, path) {
                return Some(cycle);
            }
        }
        path.pop();
        state.insert(name, 2);
        None
    }
    for name in references.keys() {
        if let Some(cycle) = visit(name, references, &mut state, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

/// The (namespace, name) of every macro called in `nodes`.
fn nodes_calls(nodes: &[Node], out: &mut Vec<(String, String)>) {
    for node in nodes {
        match node {
            Node::VariableBlock(_, expr) => expr_calls(expr, out),
            Node::Set(_, set) => expr_calls(&set.value, out),
            Node::FilterSection(_, section, _) => {
                section
                    .filter
                    .args
                    .values()
                    .for_each(|e| expr_calls(e, out));
                nodes_calls(&section.body, out);
            }
            Node::Block(_, block, _) => nodes_calls(&block.body, out),
            Node::Forloop(_, forloop, _) => {
                expr_calls(&forloop.container, out);
                nodes_calls(&forloop.body, out);
                nodes_calls(forloop.empty_body.as_deref().unwrap_or_default(), out);
            }
            Node::If(branches, _) => {
                for (_, condition, body) in &branches.conditions {
                    expr_calls(condition, out);
                    nodes_calls(body, out);
                }
                if let Some((_, body)) = &branches.otherwise {
                    nodes_calls(body, out);
                }
            }
            _ => {}
        }
    }
}

fn expr_calls(expr: &Expr, out: &mut Vec<(String, String)>) {
    value_calls(&expr.val, out);
    for filter in &expr.filters {
        filter.args.values().for_each(|e| expr_calls(e, out));
    }
}

fn value_calls(value: &ExprVal, out: &mut Vec<(String, String)>) {
    match value {
        ExprVal::MacroCall(call) => {
            out.push((call.namespace.clone(), call.name.clone()));
            call.args.values().for_each(|e| expr_calls(e, out));
        }
        ExprVal::FunctionCall(call) => call.args.values().for_each(|e| expr_calls(e, out)),
        ExprVal::Math(math) => {
            expr_calls(&math.lhs, out);
            expr_calls(&math.rhs, out);
        }
        ExprVal::Logic(logic) => {
            expr_calls(&logic.lhs, out);
            expr_calls(&logic.rhs, out);
        }
        ExprVal::In(test) => {
            expr_calls(&test.lhs, out);
            expr_calls(&test.rhs, out);
        }
        ExprVal::Test(test) => test.args.iter().for_each(|e| expr_calls(e, out)),
        ExprVal::Array(items) => items.iter().for_each(|e| expr_calls(e, out)),
        ExprVal::StringConcat(concat) => concat.values.iter().for_each(|v| value_calls(v, out)),
        ExprVal::String(_)
        | ExprVal::Int(_)
        | ExprVal::Float(_)
        | ExprVal::Bool(_)
        | ExprVal::Ident(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, Value)]) -> HashMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn range_is_checked() {
        let r = |pairs: &[(&str, Value)]| checked_range(&args(pairs));
        assert_eq!(
            r(&[("end", 5.into())]).unwrap(),
            serde_json::json!([0, 1, 2, 3, 4])
        );
        assert_eq!(
            r(&[
                ("start", 2.into()),
                ("end", 9.into()),
                ("step_by", 3.into())
            ])
            .unwrap(),
            serde_json::json!([2, 5, 8])
        );
        assert_eq!(
            r(&[("start", 5.into()), ("end", 1.into())]).unwrap(),
            serde_json::json!([])
        );
        let e = r(&[("end", 5.into()), ("step_by", 0.into())]).unwrap_err();
        assert!(
            e.to_string().contains("`step_by` of at least 1, not 0"),
            "{e}"
        );
        let e = r(&[("end", 1_000_000_000_000i64.into())]).unwrap_err();
        assert!(
            e.to_string().contains("would make 1000000000000 numbers"),
            "{e}"
        );
        assert!(r(&[("end", (MAX_RANGE as i64).into())]).is_ok());
    }

    #[test]
    fn only_prefixed_variables_are_read() {
        let e = prefixed_env(&args(&[("name", "HOME".into())])).unwrap_err();
        assert!(e.to_string().contains("start with GAZETTE_"), "{e}");
        let fallback = prefixed_env(&args(&[
            ("name", "GAZETTE_SURELY_UNSET_123".into()),
            ("default", "x".into()),
        ]));
        assert_eq!(fallback.unwrap(), Value::from("x"));
    }
}
