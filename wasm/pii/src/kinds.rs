//! Kind ids of the built-in detectors. The TypeScript binding keeps the same table in
//! `runtime/pii/kinds.ts`; custom patterns and dictionaries take the ids after these.

/// A built-in detector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    Email = 0,
    Phone = 1,
    CreditCard = 2,
    Iban = 3,
    UsSsn = 4,
    Ipv4 = 5,
    Ipv6 = 6,
    AwsAccessKey = 7,
    ApiKey = 8,
    BearerToken = 9,
    Jwt = 10,
    PrivateKey = 11,
}

/// Number of built-in kinds; the first custom pattern has this id.
pub const BUILTIN_COUNT: u32 = 12;

/// Names in id order, as the TypeScript binding reports them.
pub const NAMES: [&str; BUILTIN_COUNT as usize] = [
    "email",
    "phone",
    "credit_card",
    "iban",
    "us_ssn",
    "ipv4",
    "ipv6",
    "aws_access_key",
    "api_key",
    "bearer_token",
    "jwt",
    "private_key",
];

/// Bit mask with every built-in kind enabled.
pub const ALL_BUILTINS: u32 = (1 << BUILTIN_COUNT) - 1;

impl Kind {
    /// Returns the kind with this id, if it is a built-in one.
    pub fn from_id(id: u32) -> Option<Kind> {
        use Kind::*;
        const ALL: [Kind; BUILTIN_COUNT as usize] = [
            Email, Phone, CreditCard, Iban, UsSsn, Ipv4, Ipv6, AwsAccessKey, ApiKey, BearerToken,
            Jwt, PrivateKey,
        ];
        ALL.get(id as usize).copied()
    }

    pub fn id(self) -> u32 {
        self as u32
    }

    pub fn name(self) -> &'static str {
        NAMES[self as usize]
    }
}
