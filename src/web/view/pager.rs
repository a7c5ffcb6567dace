//! "Previous · Page 2 of 9 · Next" under a long list (templates/macros/pager.html draws it).

/// Where a paged list is, and the links to its neighbours.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// The links' words ("Previous"/"Next", "Newer entries"/"Older entries").
    pub prev_label: &'static str,
    pub next_label: &'static str,
    /// The `<nav>`'s accessible name.
    pub label: &'static str,
}

impl Pager {
    /// Page `page` of `total` rows, `per_page` to a page; `link` makes a page's URL.
    pub fn new(page: i64, total: i64, per_page: i64, link: impl Fn(i64) -> String) -> Self {
        let pages = Self::pages(total, per_page);
        Self {
            page,
            pages,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
            prev_label: "Previous",
            next_label: "Next",
            label: "Pages",
        }
    }

    /// Keyset paging (no page numbers): links to the newer and older rows
    /// beside the ones shown, when there are any.
    pub fn keyset(prev: Option<String>, next: Option<String>) -> Self {
        Self {
            page: 0,
            pages: 0,
            prev,
            next,
            prev_label: "Previous",
            next_label: "Next",
            label: "Pages",
        }
    }

    /// How many pages `total` rows fill (at least one, even when empty).
    pub fn pages(total: i64, per_page: i64) -> i64 {
        ((total + per_page - 1) / per_page.max(1)).max(1)
    }

    /// Other words for the links and the `<nav>`.
    pub fn labelled(mut self, label: &'static str, prev: &'static str, next: &'static str) -> Self {
        (self.label, self.prev_label, self.next_label) = (label, prev, next);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_link_their_neighbours() {
        let p = Pager::new(1, 0, 25, |n| format!("?page={n}"));
        assert_eq!((p.page, p.pages, p.prev, p.next), (1, 1, None, None));
        let p = Pager::new(2, 51, 25, |n| format!("?page={n}"));
        assert_eq!((p.page, p.pages), (2, 3));
        assert_eq!(p.prev.as_deref(), Some("?page=1"));
        assert_eq!(p.next.as_deref(), Some("?page=3"));
        let p = Pager::new(3, 51, 25, |n| format!("?page={n}"));
        assert_eq!((p.page, p.next), (3, None));
    }
}
