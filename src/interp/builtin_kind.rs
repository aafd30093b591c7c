//! Which built-in primitive a primitive number is (`Builtin`): the names of the runtime's own
//! hot pure primitives whose `C_CALL1..3` the load-time translation (`translate`) turns into
//! internal opcodes that `ops::builtin` runs inline. The primitive table
//! records it per number when it binds a primitive (`PrimTable::builtin`); this module is
//! below both, so the table does not depend on the opcode handlers.

/// Which built-in a primitive is, if any (`PrimTable::builtin`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Builtin {
    /// Not run inline: called through the table.
    Call = 0,
    NegFloat,
    AbsFloat,
    SqrtFloat,
    FloatOfInt,
    StringLength,
    AddFloat,
    SubFloat,
    MulFloat,
    DivFloat,
    EqFloat,
    NeqFloat,
    LtFloat,
    LeFloat,
    GtFloat,
    GeFloat,
    ArrayGetAddr,
    ArrayGet,
    StringGet,
    IntCompare,
    FloatCompare,
    StringEqual,
    StringNotEqual,
    Compare,
    Equal,
    NotEqual,
    LessThan,
    LessEqual,
    GreaterThan,
    GreaterEqual,
    ArraySetAddr,
    ArraySet,
    BytesSet,
    /// `caml_continuation_use_noexc`: the continuation's fiber taken (`Effect.Deep`'s every
    /// `continue`).
    ContinuationUseNoexc,
}

impl Builtin {
    /// The built-in of number `n`, as `PrimTable` stored it.
    ///
    /// # Safety
    /// `n` must be `b as u8` for some `Builtin` `b`.
    #[inline(always)]
    pub unsafe fn from_u8(n: u8) -> Builtin {
        // SAFETY: the caller's contract: `n` is the number of a variant (`repr(u8)`).
        unsafe { std::mem::transmute::<u8, Builtin>(n) }
    }

    /// The built-in that the runtime's primitive `name` is (`Call` for the others). The
    /// names are the stock runtime's; the table binds the runtime's own function for each,
    /// whose work the inline bodies repeat.
    pub fn of_name(name: &str) -> Builtin {
        use Builtin::*;
        match name {
            "caml_neg_float" => NegFloat,
            "caml_abs_float" => AbsFloat,
            "caml_sqrt_float" => SqrtFloat,
            "caml_float_of_int" => FloatOfInt,
            "caml_ml_string_length" | "caml_ml_bytes_length" => StringLength,
            "caml_add_float" => AddFloat,
            "caml_sub_float" => SubFloat,
            "caml_mul_float" => MulFloat,
            "caml_div_float" => DivFloat,
            "caml_eq_float" => EqFloat,
            "caml_neq_float" => NeqFloat,
            "caml_lt_float" => LtFloat,
            "caml_le_float" => LeFloat,
            "caml_gt_float" => GtFloat,
            "caml_ge_float" => GeFloat,
            "caml_array_get_addr" => ArrayGetAddr,
            "caml_array_get" | "caml_array_unsafe_get" => ArrayGet,
            "caml_string_get" | "caml_bytes_get" => StringGet,
            "caml_int_compare" => IntCompare,
            "caml_float_compare" => FloatCompare,
            "caml_string_equal" => StringEqual,
            "caml_string_notequal" => StringNotEqual,
            "caml_compare" => Compare,
            "caml_equal" => Equal,
            "caml_notequal" => NotEqual,
            "caml_lessthan" => LessThan,
            "caml_lessequal" => LessEqual,
            "caml_greaterthan" => GreaterThan,
            "caml_greaterequal" => GreaterEqual,
            "caml_array_set_addr" => ArraySetAddr,
            "caml_array_set" | "caml_array_unsafe_set" => ArraySet,
            "caml_bytes_set" => BytesSet,
            "caml_continuation_use_noexc" => ContinuationUseNoexc,
            _ => Call,
        }
    }
}
