//! Statuses and kinds: enums stored as their names (`'in_progress'`) and
//! sent as the same names, declared once with [`text_enum!`], which writes
//! what each used to write by hand: `as_str`, `parse`, `ALL`, serde names
//! and, on the server, reading and binding them in SQL. A row with a name
//! the enum doesn't know is an error, never a silent default.

/// Declares a text enum:
///
/// ```ignore
/// text_enum! {
///     /// The life of a booking.
///     pub enum BookingStatus {
///         Requested = "requested",
///         InProgress = "in_progress",
///     }
/// }
/// ```
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Its name, as stored and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// From its name; `None` for a name it doesn't have.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "ssr")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <str as sqlx::Type<sqlx::Any>>::type_info()
            }

            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <str as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Any>>::encode(self.as_str(), buf)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Self::parse(text).ok_or_else(|| {
                    format!(concat!("no ", stringify!($name), " is called `{}`"), text).into()
                })
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    text_enum! {
        /// A test's.
        #[derive(Default)]
        pub enum Light {
            #[default]
            Red = "red",
            AmberFlashing = "amber_flashing",
        }
    }

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        assert_eq!(Light::default(), Light::Red);
        assert_eq!(Light::AmberFlashing.as_str(), "amber_flashing");
        assert_eq!(Light::parse("red"), Some(Light::Red));
        assert_eq!(Light::parse("blue"), None);
        assert_eq!(Light::ALL.len(), 2);
        assert_eq!(
            serde_json::to_string(&Light::AmberFlashing).unwrap(),
            "\"amber_flashing\""
        );
        assert!(serde_json::from_str::<Light>("\"blue\"").is_err());
    }

    #[cfg(feature = "ssr")]
    #[tokio::test]
    async fn they_are_stored_and_read_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = crate::kernel::db::Db::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE lights (light TEXT NOT NULL)")
            .execute(db.pool())
            .await
            .unwrap();
        sqlx::query("INSERT INTO lights (light) VALUES ($1), ('blue')")
            .bind(Light::AmberFlashing)
            .execute(db.pool())
            .await
            .unwrap();
        let (text,): (String,) = sqlx::query_as("SELECT light FROM lights LIMIT 1")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(text, "amber_flashing");
        let read: Vec<Result<(Light,), _>> = sqlx::query_as("SELECT light FROM lights")
            .fetch_all(db.pool())
            .await
            .map(|rows: Vec<(Light,)>| rows.into_iter().map(Ok).collect())
            .unwrap_or_else(|e| vec![Err(e)]);
        assert!(read.iter().any(Result::is_err), "`blue` is refused");
    }
}
