//! The topic tree: every channel address split into levels, merged into one tree whose nodes
//! link to the channels ending there.

use serde::Serialize;

use super::text::anchor;
use crate::model::{Channel, Document, Level, LevelPart};

/// One level of the topic tree.
#[derive(Debug, Default, Serialize)]
pub struct TreeNode {
    /// The level as written (`{id}`, `+`, `#`, or literal text; empty for a leading `/`).
    pub level: String,
    /// The channels whose address ends at this level.
    pub channels: Vec<LinkView>,
    /// Deeper levels, in first-seen order.
    pub children: Vec<TreeNode>,
    /// Channels at or below this node (for the collapsed summary).
    pub count: usize,
}

/// The tree of all channel addresses (channels without an address are left out).
pub fn topic_tree(doc: &Document) -> Vec<TreeNode> {
    let mut root = TreeNode::default();
    for channel in &doc.channels {
        let levels = level_texts(channel);
        if levels.is_empty() {
            continue;
        }
        let mut node = &mut root;
        node.count += 1;
        for level in levels {
            let position = match node.children.iter().position(|child| child.level == level) {
                Some(position) => position,
                None => {
                    node.children.push(TreeNode {
                        level,
                        ..TreeNode::default()
                    });
                    node.children.len() - 1
                }
            };
            node = &mut node.children[position];
            node.count += 1;
        }
        node.channels.push(LinkView {
            anchor: anchor("channel", &channel.id),
            text: channel.id.clone(),
        });
    }
    root.children.into_iter().map(compress).collect()
}

/// Joins chains of levels that have one child and no channel of their own into one node
/// (`line7/{machineId}/state`), so a large tree stays short.
fn compress(mut node: TreeNode) -> TreeNode {
    while node.channels.is_empty() && node.children.len() == 1 {
        let child = node.children.pop().expect("one child");
        node.level = format!("{}/{}", node.level, child.level);
        node.channels = child.channels;
        node.children = child.children;
    }
    node.children = node.children.into_iter().map(compress).collect();
    node
}

/// A link to an item on the page.
#[derive(Debug, Serialize)]
pub struct LinkView {
    /// Target anchor (without `#`).
    pub anchor: String,
    /// Link text.
    pub text: String,
}

/// The levels of an address as display strings (used by the topic tree).
pub fn level_texts(channel: &Channel) -> Vec<String> {
    let Some(address) = &channel.address else {
        return Vec::new();
    };
    address
        .levels
        .iter()
        .map(|level| match level {
            Level::Literal(text) => text.clone(),
            Level::Parameter(name) => format!("{{{name}}}"),
            Level::Mixed(parts) => parts
                .iter()
                .map(|part| match part {
                    LevelPart::Literal(text) => text.clone(),
                    LevelPart::Parameter(name) => format!("{{{name}}}"),
                })
                .collect(),
            Level::AnySingle => "+".into(),
            Level::AnyMulti => "#".into(),
        })
        .collect()
}
