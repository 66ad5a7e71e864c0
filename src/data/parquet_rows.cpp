#include "mmlu/data/parquet_rows.hpp"

#include <arrow/api.h>
#include <arrow/io/memory.h>
#include <parquet/arrow/reader.h>
#include <parquet/exception.h>

#include "mmlu/util/error.hpp"
#include "mmlu/util/regular_file.hpp"
#include "mmlu/util/utf8.hpp"

namespace mmlu {
namespace {

class RowReader {
 public:
  explicit RowReader(const std::string& file) : file_(file) {}

  Json value(const arrow::Array& array, std::int64_t i, const std::string& column,
             std::int64_t row) const {
    if (array.IsNull(i)) return nullptr;
    switch (array.type_id()) {
      case arrow::Type::STRING:
        return text(static_cast<const arrow::StringArray&>(array).GetView(i), column, row);
      case arrow::Type::LARGE_STRING:
        return text(static_cast<const arrow::LargeStringArray&>(array).GetView(i), column, row);
      case arrow::Type::STRING_VIEW:
        return text(static_cast<const arrow::StringViewArray&>(array).GetView(i), column, row);
      case arrow::Type::BOOL:
        return static_cast<const arrow::BooleanArray&>(array).Value(i);
      case arrow::Type::INT8:
        return static_cast<const arrow::Int8Array&>(array).Value(i);
      case arrow::Type::INT16:
        return static_cast<const arrow::Int16Array&>(array).Value(i);
      case arrow::Type::INT32:
        return static_cast<const arrow::Int32Array&>(array).Value(i);
      case arrow::Type::INT64:
        return static_cast<const arrow::Int64Array&>(array).Value(i);
      case arrow::Type::UINT8:
        return static_cast<const arrow::UInt8Array&>(array).Value(i);
      case arrow::Type::UINT16:
        return static_cast<const arrow::UInt16Array&>(array).Value(i);
      case arrow::Type::UINT32:
        return static_cast<const arrow::UInt32Array&>(array).Value(i);
      case arrow::Type::UINT64:
        return static_cast<const arrow::UInt64Array&>(array).Value(i);
      case arrow::Type::FLOAT:
        return static_cast<const arrow::FloatArray&>(array).Value(i);
      case arrow::Type::DOUBLE:
        return static_cast<const arrow::DoubleArray&>(array).Value(i);
      case arrow::Type::LIST:
        return list(static_cast<const arrow::ListArray&>(array).value_slice(i), column, row);
      case arrow::Type::LARGE_LIST:
        return list(static_cast<const arrow::LargeListArray&>(array).value_slice(i), column, row);
      case arrow::Type::FIXED_SIZE_LIST:
        return list(static_cast<const arrow::FixedSizeListArray&>(array).value_slice(i), column,
                    row);
      case arrow::Type::STRUCT: {
        const auto& s = static_cast<const arrow::StructArray&>(array);
        Json object = Json::object();
        for (int f = 0; f < s.num_fields(); ++f) {
          const std::string& name = s.struct_type()->field(f)->name();
          object[name] = value(*s.field(f), i, column + "." + name, row);
        }
        return object;
      }
      case arrow::Type::DICTIONARY: {
        const auto& d = static_cast<const arrow::DictionaryArray&>(array);
        return value(*d.dictionary(), d.GetValueIndex(i), column, row);
      }
      default:
        throw InputError(file_ + ": row " + std::to_string(row) + ": column '" + column +
                         "' is of type " + array.type()->ToString() +
                         ", which a document cannot hold");
    }
  }

 private:
  Json text(std::string_view s, const std::string& column, std::int64_t row) const {
    if (!is_valid_utf8(s))
      throw InputError(file_ + ": row " + std::to_string(row) + ": column '" + column +
                       "' is not UTF-8");
    return std::string(s);
  }
  Json list(const std::shared_ptr<arrow::Array>& items, const std::string& column,
            std::int64_t row) const {
    Json out = Json::array();
    for (std::int64_t k = 0; k < items->length(); ++k) out.push_back(value(*items, k, column, row));
    return out;
  }

  const std::string& file_;
};

template <typename T>
T ok_or_throw(arrow::Result<T> result, const std::string& file) {
  if (!result.ok())
    throw InputError(file + ": not a readable parquet file (" + result.status().message() + ")");
  return std::move(result).ValueOrDie();
}

// Arrow reserves memory for what a file's metadata declares before reading any data, so a few
// hostile bytes can ask for terabytes. Refuse metadata that contradicts itself (a row group with
// more rows than the file, or than a column of it has values: every row leaves at least one
// value in each leaf column) or that declares more values than the file could hold: 1024 per
// byte, beyond any run-length encoding of real text columns, plus a floor for small files.
void check_declared_sizes(const parquet::FileMetaData& meta, std::size_t file_bytes,
                          const std::string& file) {
  const std::int64_t most_values = 1024 * static_cast<std::int64_t>(file_bytes) + (1 << 20);
  auto refuse = [&](const std::string& what) {
    throw InputError(file + ": not a readable parquet file (" + what + ")");
  };
  std::int64_t rows = 0;
  for (int g = 0; g < meta.num_row_groups(); ++g) {
    const auto group = meta.RowGroup(g);
    if (group->num_rows() < 0 || group->num_rows() > meta.num_rows())
      refuse("row group " + std::to_string(g) + " declares " + std::to_string(group->num_rows()) +
             " rows of the file's " + std::to_string(meta.num_rows()));
    rows += group->num_rows();
    for (int c = 0; c < group->num_columns(); ++c) {
      const std::int64_t values = group->ColumnChunk(c)->num_values();
      if (values < group->num_rows() || values > most_values)
        refuse("row group " + std::to_string(g) + " column " + std::to_string(c) + " declares " +
               std::to_string(values) + " values for " + std::to_string(group->num_rows()) +
               " rows in " + std::to_string(file_bytes) + " bytes");
    }
  }
  if (rows != meta.num_rows())
    refuse("row groups of " + std::to_string(rows) + " rows in a file of " +
           std::to_string(meta.num_rows()));
}

}  // namespace

std::vector<Json> read_parquet_rows(const std::filesystem::path& file) {
  return parquet_rows(read_regular_file(file, kMaxParquetFileBytes, "a parquet file"),
                      file.string());
}

std::vector<Json> parquet_rows(const std::string& bytes, const std::string& file) {
  auto buffer = std::make_shared<arrow::Buffer>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                                static_cast<std::int64_t>(bytes.size()));
  std::shared_ptr<arrow::Table> table;
  try {
    auto source = std::make_shared<arrow::io::BufferReader>(buffer);
    std::unique_ptr<parquet::arrow::FileReader> reader =
        ok_or_throw(parquet::arrow::OpenFile(source, arrow::default_memory_pool()), file);
    check_declared_sizes(*reader->parquet_reader()->metadata(), bytes.size(), file);
    table = ok_or_throw(reader->ReadTable(), file);
    const arrow::Status status = table->ValidateFull();
    if (!status.ok())
      throw InputError(file + ": inconsistent parquet data (" + status.message() + ")");
  } catch (const parquet::ParquetException& e) {
    throw InputError(file + ": not a readable parquet file (" + e.what() + ")");
  }

  RowReader reader(file);
  std::vector<Json> rows(static_cast<std::size_t>(table->num_rows()), Json::object());
  for (int c = 0; c < table->num_columns(); ++c) {
    const std::string& name = table->schema()->field(c)->name();
    std::int64_t row = 0;
    for (const auto& chunk : table->column(c)->chunks())
      for (std::int64_t i = 0; i < chunk->length(); ++i, ++row)
        rows[static_cast<std::size_t>(row)][name] = reader.value(*chunk, i, name, row);
  }
  return rows;
}

}  // namespace mmlu
