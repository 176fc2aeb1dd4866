//! Named byte columns shared by the payload codecs: a writer that appends values to N columns
//! and frames them (`varint length ‖ bytes` each), and a reader that splits the frames back and
//! takes typed values, naming the column in every error.

use super::PayloadDecodeError;
use crate::varint;
use alloy_primitives::{Address, U256};
use alloy_rlp::Decodable;

/// N byte streams, one per field kind, so the compressor sees like next to like.
pub(super) struct ColumnWriter<const N: usize> {
    pub cols: [Vec<u8>; N],
}

impl<const N: usize> ColumnWriter<N> {
    pub fn new() -> Self {
        Self { cols: std::array::from_fn(|_| Vec::new()) }
    }

    pub fn varint(&mut self, column: usize, value: impl Into<u128>) {
        varint::put(&mut self.cols[column], value.into());
    }

    pub fn bytes(&mut self, column: usize, bytes: &[u8]) {
        self.cols[column].extend_from_slice(bytes);
    }

    /// A 256-bit integer as its length (0..=32) and its big-endian bytes without leading zeros.
    pub fn trimmed(&mut self, column: usize, value: &U256) {
        let bytes = value.to_be_bytes_trimmed_vec();
        self.cols[column].push(bytes.len() as u8);
        self.cols[column].extend_from_slice(&bytes);
    }

    /// Appends every column to `out` as `varint length ‖ bytes`.
    pub fn finish(self, out: &mut Vec<u8>) {
        for column in self.cols {
            varint::put(out, column.len() as u128);
            out.extend_from_slice(&column);
        }
    }
}

/// Cursors over N framed columns.
pub(super) struct ColumnReader<'a, const N: usize> {
    pub cols: [&'a [u8]; N],
    names: &'static [&'static str; N],
}

impl<'a, const N: usize> ColumnReader<'a, N> {
    /// Splits `input` into N framed columns; refuses a length past the input and bytes after
    /// the last column.
    pub fn split(
        mut input: &'a [u8],
        names: &'static [&'static str; N],
    ) -> Result<Self, PayloadDecodeError> {
        let mut cols = [&[][..]; N];
        for (slot, name) in cols.iter_mut().zip(names) {
            let len = varint::take(&mut input, 64).map_err(|e| column_error(name, e))?;
            let len = usize::try_from(len).ok().filter(|len| *len <= input.len());
            let len = len.ok_or_else(|| column_error(name, "length beyond the payload"))?;
            let (column, after) = input.split_at(len);
            *slot = column;
            input = after;
        }
        if !input.is_empty() {
            return Err(PayloadDecodeError::TrailingBytes(input.len()));
        }
        Ok(Self { cols, names })
    }

    pub fn error(&self, column: usize, reason: impl std::fmt::Display) -> PayloadDecodeError {
        column_error(self.names[column], reason)
    }

    pub fn take(&mut self, column: usize, len: usize) -> Result<&'a [u8], PayloadDecodeError> {
        let data = self.cols[column];
        if data.len() < len {
            return Err(self.error(column, "ends early"));
        }
        let (taken, rest) = data.split_at(len);
        self.cols[column] = rest;
        Ok(taken)
    }

    pub fn byte(&mut self, column: usize) -> Result<u8, PayloadDecodeError> {
        Ok(self.take(column, 1)?[0])
    }

    pub fn varint(&mut self, column: usize, bits: u32) -> Result<u128, PayloadDecodeError> {
        varint::take(&mut self.cols[column], bits).map_err(|e| column_error(self.names[column], e))
    }

    pub fn u64(&mut self, column: usize) -> Result<u64, PayloadDecodeError> {
        Ok(self.varint(column, 64)? as u64)
    }

    pub fn u32(&mut self, column: usize) -> Result<u32, PayloadDecodeError> {
        Ok(self.varint(column, 32)? as u32)
    }

    /// An index into `addresses`, refused past its end.
    pub fn address_at(
        &mut self,
        column: usize,
        addresses: &[Address],
    ) -> Result<Address, PayloadDecodeError> {
        let index = self.u32(column)? as usize;
        addresses
            .get(index)
            .copied()
            .ok_or_else(|| self.error(column, "index beyond the address table"))
    }

    /// A 256-bit integer written by [`ColumnWriter::trimmed`]; refuses leading zeros.
    pub fn trimmed(&mut self, column: usize) -> Result<U256, PayloadDecodeError> {
        let len = usize::from(self.byte(column)?);
        let bytes = self.take(column, len)?;
        if len > 32 || bytes.first() == Some(&0) {
            return Err(self.error(column, "not a minimal 256-bit integer"));
        }
        Ok(U256::from_be_slice(bytes))
    }

    /// A varint length in `column`, then that many bytes of the same column.
    pub fn sized(&mut self, column: usize) -> Result<&'a [u8], PayloadDecodeError> {
        self.sized_at(column, column)
    }

    /// A varint length in `lengths`, then that many bytes of `data`.
    pub fn sized_at(
        &mut self,
        lengths: usize,
        data: usize,
    ) -> Result<&'a [u8], PayloadDecodeError> {
        let len = usize::try_from(self.u64(lengths)?).unwrap_or(usize::MAX);
        self.take(data, len)
    }

    /// One RLP item of type `T` from `column`.
    pub fn rlp<T: Decodable>(&mut self, column: usize) -> Result<T, PayloadDecodeError> {
        T::decode(&mut self.cols[column]).map_err(|e| column_error(self.names[column], e))
    }

    /// Refuses a column with bytes left: every column must be read to its end.
    pub fn finish(&self, after: &str) -> Result<(), PayloadDecodeError> {
        match self.cols.iter().position(|column| !column.is_empty()) {
            Some(index) => Err(self.error(index, format!("bytes left after the last {after}"))),
            None => Ok(()),
        }
    }
}

pub(super) fn column_error(
    column: &'static str,
    reason: impl std::fmt::Display,
) -> PayloadDecodeError {
    PayloadDecodeError::Column { column, reason: reason.to_string() }
}
