//! JSON-RPC errors with the codes Ethereum clients use: -32602 invalid params, -32603
//! internal, -32000 for a refused transaction or missing data (geth's "server error"), and 3
//! for a reverted execution with the revert data attached.

use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};

pub type RpcResult<T> = Result<T, ErrorObjectOwned>;

pub const INVALID_PARAMS: i32 = -32602;
pub const INTERNAL_ERROR: i32 = -32603;
pub const SERVER_ERROR: i32 = -32000;

pub fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(INVALID_PARAMS, message.into(), None::<()>)
}

pub fn internal(err: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObject::owned(INTERNAL_ERROR, err.to_string(), None::<()>)
}

pub fn server_error(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(SERVER_ERROR, message.into(), None::<()>)
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
