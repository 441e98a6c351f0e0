//! The graph written back as a seed directory (`graph.toml` plus the source texts), so curated
//! changes can be reviewed in git and loaded again: load → export → load gives identical content.

use std::path::{Component, Path};

use serde::Serialize;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::model::Citation;

#[derive(Serialize)]
struct SeedFile<'a> {
    node: Vec<NodeOut<'a>>,
    edge: Vec<EdgeOut<'a>>,
}

#[derive(Serialize)]
struct CiteOut<'a> {
    source: &'a str,
    quote: &'a str,
}

#[derive(Serialize)]
struct NodeOut<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    place: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    cite: Vec<CiteOut<'a>>,
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    from: &'a str,
    kind: &'a str,
    to: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_to: Option<String>,
    cite: Vec<CiteOut<'a>>,
}

fn cites(list: &[Citation]) -> Vec<CiteOut<'_>> {
    list.iter()
        .map(|c| CiteOut {
            source: c.document.as_str(),
            quote: &c.quote,
        })
        .collect()
}

/// A stored text path that stays inside the output directory.
fn safe(path: &str) -> Result<&Path> {
    let p = Path::new(path);
    if p.components().all(|c| matches!(c, Component::Normal(_))) {
        Ok(p)
    } else {
        Err(Error::Invalid(format!(
            "stored text path `{path}` would leave the export directory"
        )))
    }
}

/// Writes `data` into `dir` as `graph.toml` and the source texts at their stored paths.
pub fn write(data: &Dataset, dir: &Path) -> Result<()> {
    let nodes = data
        .nodes
        .values()
        .map(|n| NodeOut {
            id: n.id.as_str(),
            title: &n.title,
            note: n.note.as_deref(),
            date: n.date.map(|d| d.to_string()),
            start: n.start.map(|d| d.to_string()),
            end: n.end.map(|d| d.to_string()),
            place: n.place.as_deref(),
            format: n.format.as_deref(),
            text: data.texts.get(n.id.as_str()).map(|t| t.path.as_str()),
            cite: cites(&n.citations),
        })
        .collect();
    let edges = data
        .edges
        .values()
        .map(|e| EdgeOut {
            from: e.from.as_str(),
            kind: e.kind.as_str(),
            to: e.to.as_str(),
            note: e.note.as_deref(),
            valid_from: e.valid_from.map(|d| d.to_string()),
            valid_to: e.valid_to.map(|d| d.to_string()),
            cite: cites(&e.citations),
        })
        .collect();
    let file = SeedFile {
        node: nodes,
        edge: edges,
    };
    let toml = toml::to_string(&file)
        .map_err(|e| Error::Invalid(format!("cannot write the graph as TOML: {e}")))?;
    std::fs::create_dir_all(dir)?;
    for text in data.texts.values() {
        let path = dir.join(safe(&text.path)?);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &text.text)?;
    }
    let header = "# Written by `policygraph export --format seeds`: the whole graph, one file.\n\n";
    std::fs::write(dir.join("graph.toml"), format!("{header}{toml}"))?;
    Ok(())
}
