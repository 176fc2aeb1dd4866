//! JSON-RPC errors with the codes Ethereum clients use: -32602 invalid params, -32603
//! internal, -32000 for a refused transaction or missing data (geth's "server error"), -32001
//! for a resource the result cannot be null for, and 3 for a reverted execution with the revert
//! data attached.

use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};

pub type RpcResult<T> = Result<T, ErrorObjectOwned>;

pub const INVALID_PARAMS: i32 = -32602;
pub const INTERNAL_ERROR: i32 = -32603;
pub const SERVER_ERROR: i32 = -32000;
/// The execution-apis catalog's "Resource not found" (JSON-RPC non-standard errors).
pub const RESOURCE_NOT_FOUND: i32 = -32001;

/// The error object as the execution-apis catalog gives it: jsonrpsee puts the reason a
/// parameter was refused in `data` under the generic message "Invalid params"; geth (and the
/// spec's error groups) carry the reason in the message and no `data`. Every other error
/// passes unchanged (an execution revert keeps its revert data, code 3).
pub fn spec_shape(err: ErrorObjectOwned) -> ErrorObjectOwned {
    if err.code() != INVALID_PARAMS {
        return err;
    }
    let Some(data) = err.data() else { return err };
    let reason = serde_json::from_str::<String>(data.get()).unwrap_or_else(|_| data.get().into());
    invalid_params(format!("invalid argument: {reason}"))
}

pub fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(INVALID_PARAMS, message.into(), None::<()>)
}

pub fn internal(err: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObject::owned(INTERNAL_ERROR, err.to_string(), None::<()>)
}

pub fn server_error(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(SERVER_ERROR, message.into(), None::<()>)
}

/// -32001 "Resource not found": a block, transaction or access list the result schema does
/// not allow to be null.
pub fn not_found(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(RESOURCE_NOT_FOUND, message.into(), None::<()>)
}

pub trait OrInternal<T> {
    /// Maps any error to -32603 with its message.
    fn or_internal(self) -> RpcResult<T>;
}

impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    fn or_internal(self) -> RpcResult<T> {
        self.map_err(internal)
    }
}
