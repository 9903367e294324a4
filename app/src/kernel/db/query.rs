//! Helpers for queries built at run time (filters that come and go).

/// A value bound to a query built at run time.
#[derive(Debug, Clone)]
pub enum Arg {
    I(i64),
    T(String),
}

pub fn bind_all<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    args: &'q [Arg],
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::I(v) => query.bind(*v),
            Arg::T(v) => query.bind(v.as_str()),
        };
    }
    query
}

/// `text` as a `LIKE … ESCAPE '\'` pattern matching it anywhere, lower-cased
/// (compare with `LOWER(column)`); `%`, `_` and `\` match only themselves.
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern(" 50%_Off "), "%50\\%\\_off%");
        assert_eq!(super::like_pattern(" 50%_Off\\ "), "%50\\%\\_off\\\\%");
    }
}
