//! Bounded list answers. A list that grows with the graph (a dependency closure, a goal's
//! implementers, a timeline, the report's findings, a hub node's edges) is answered a window
//! at a time: `offset` items skipped, then at most `first`. Without `first`, a list longer
//! than the server's `maxList` is refused with `LIMIT_EXCEEDED` rather than sent whole, so no
//! single answer runs to megabytes; its order is stable, so windows page through it.
//!
//! Lists nest (a timeline's entries, each with the programmes covering its span), so each
//! within the cap could still multiply into megabytes: the lists of one answer together hold
//! at most [`ANSWER_ITEMS_PER_CAP`] times the cap ([`AnswerItems`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{Context, Result};

use super::Limits;
use super::errors::{Code, coded, internal};

/// How many times the list cap the lists of one answer may hold in all.
pub const ANSWER_ITEMS_PER_CAP: usize = 2;

/// Items the lists of one answer may still carry, shared by its fields (request data).
#[derive(Debug)]
pub struct AnswerItems {
    left: AtomicUsize,
    most: usize,
}

impl AnswerItems {
    /// The allowance of one answer on a server whose list cap is `cap`.
    pub fn for_cap(cap: usize) -> AnswerItems {
        let most = cap.saturating_mul(ANSWER_ITEMS_PER_CAP);
        AnswerItems {
            left: AtomicUsize::new(most),
            most,
        }
    }

    /// Takes `items` of the allowance; refused (`LIMIT_EXCEEDED`) when fewer are left.
    fn take(&self, items: usize) -> Result<()> {
        self.left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(items)
            })
            .map(|_| ())
            .map_err(|_| {
                coded(
                    Code::LimitExceeded,
                    format!(
                        "the lists of this answer hold more than {} items in all, the most in \
                         one answer: pass a smaller `first` to the lists inside other lists",
                        self.most
                    ),
                )
            })
    }
}

/// The part of a list one answer carries.
#[derive(Clone, Debug)]
pub struct Window {
    first: Option<usize>,
    offset: usize,
    cap: usize,
    /// The answer's allowance, when the request has one (the schema's extension sets it).
    answer: Option<Arc<AnswerItems>>,
}

impl Window {
    /// The window `first` and `offset` ask for, checked against the server's cap.
    pub fn new(ctx: &Context<'_>, first: Option<i32>, offset: Option<i32>) -> Result<Window> {
        let cap = ctx
            .data::<Limits>()
            .map_err(|e| internal(e.message))?
            .max_list;
        let mut window = Window::checked(first, offset, cap)?;
        window.answer = ctx.data_opt::<Arc<AnswerItems>>().cloned();
        Ok(window)
    }

    fn checked(first: Option<i32>, offset: Option<i32>, cap: usize) -> Result<Window> {
        let count = |name: &str, value: Option<i32>| -> Result<Option<usize>> {
            value
                .map(|v| {
                    usize::try_from(v).map_err(|_| {
                        coded(Code::BadUserInput, format!("`{name}` must not be negative"))
                    })
                })
                .transpose()
        };
        let first = count("first", first)?;
        if let Some(first) = first.filter(|&f| f > cap) {
            return Err(coded(
                Code::LimitExceeded,
                format!("`first` is {first}; at most {cap} items in one answer"),
            ));
        }
        Ok(Window {
            first,
            offset: count("offset", offset)?.unwrap_or(0),
            cap,
            answer: None,
        })
    }

    /// How many items of the list, from its start, the window needs: `offset` and `first`,
    /// or, without `first`, one more than the cap (enough to tell that the list is too long).
    /// A list computed in order may stop there.
    pub fn enough(&self) -> usize {
        self.offset
            .saturating_add(self.first.unwrap_or(self.cap.saturating_add(1)))
    }

    /// The window of `items`, which holds at least the first [`Window::enough`] items of the
    /// list, or all of them (`what` names the list in the refusal).
    pub fn apply<T>(&self, items: Vec<T>, what: &str) -> Result<Vec<T>> {
        let rest = items.len().saturating_sub(self.offset);
        let take = match self.first {
            Some(first) => first.min(rest),
            None if rest > self.cap => {
                return Err(coded(
                    Code::LimitExceeded,
                    format!(
                        "{what} has more than {} items, the most in one answer: pass `first` \
                         (and `offset` for the next ones), or narrow the question",
                        self.cap
                    ),
                ));
            }
            None => rest,
        };
        if let Some(answer) = &self.answer {
            answer.take(take)?;
        }
        Ok(items.into_iter().skip(self.offset).take(take).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_pages_through_a_list_and_refuses_an_unbounded_long_one() {
        let items: Vec<u32> = (0..10).collect();
        let all = Window::checked(None, None, 10).expect("window");
        assert_eq!(all.apply(items.clone(), "x").expect("fits").len(), 10);
        let small = Window::checked(None, None, 9).expect("window");
        assert!(small.apply(items.clone(), "x").is_err());
        let page = Window::checked(Some(4), Some(8), 9).expect("window");
        assert_eq!(page.apply(items.clone(), "x").expect("page"), [8, 9]);
        let skipped = Window::checked(None, Some(2), 9).expect("window");
        assert_eq!(skipped.apply(items.clone(), "x").expect("fits").len(), 8);
        assert!(Window::checked(Some(10), None, 9).is_err());
        // What a list computed in order needs: the window's end, or one past the cap.
        assert_eq!(page.enough(), 12);
        assert_eq!(small.enough(), 10);
        assert_eq!(
            small.apply(items[..small.enough()].to_vec(), "x").ok(),
            None
        );
        assert!(Window::checked(Some(-1), None, 9).is_err());
        assert!(Window::checked(None, Some(-1), 9).is_err());
    }

    #[test]
    fn the_lists_of_one_answer_share_an_allowance_of_twice_the_cap() {
        let answer = Arc::new(AnswerItems::for_cap(4));
        let window = Window {
            answer: Some(answer.clone()),
            ..Window::checked(None, None, 4).expect("window")
        };
        let items: Vec<u32> = (0..4).collect();
        assert_eq!(window.apply(items.clone(), "x").expect("4 of 8").len(), 4);
        assert_eq!(
            window
                .apply(items[..3].to_vec(), "x")
                .expect("7 of 8")
                .len(),
            3
        );
        assert!(window.apply(items[..2].to_vec(), "x").is_err(), "9 of 8");
        // A refused list takes nothing: one item is still left.
        assert_eq!(
            window
                .apply(items[..1].to_vec(), "x")
                .expect("8 of 8")
                .len(),
            1
        );
    }
}
