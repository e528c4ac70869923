/**
 * The subset of onnx.proto (package `onnx`, proto2) that the exporter needs,
 * declared through protobufjs reflection so no .proto file is loaded at run
 * time. Field numbers are those of onnx/onnx's onnx.proto; names keep its
 * snake_case so objects passed to `fromObject` read like the spec.
 */
import protobuf from "protobufjs/light.js";

// proto2 repeated scalars are unpacked unless the .proto says `packed = true`.
const repeated = (type: string, id: number, packed = false) => ({
  type,
  id,
  rule: "repeated",
  ...(isScalar(type) ? { options: { packed } } : {}),
});
const optional = (type: string, id: number) => ({ type, id });

function isScalar(type: string): boolean {
  return ["float", "double", "int32", "int64", "uint64", "bool"].includes(type);
}

const ONNX_SUBSET = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: optional("string", 1),
            ref_attr_name: optional("string", 21),
            doc_string: optional("string", 13),
            type: optional("int32", 20),
            f: optional("float", 2),
            i: optional("int64", 3),
            s: optional("bytes", 4),
            t: optional("TensorProto", 5),
            floats: repeated("float", 7),
            ints: repeated("int64", 8),
            strings: repeated("bytes", 9),
          },
        },
        ValueInfoProto: {
          fields: {
            name: optional("string", 1),
            type: optional("TypeProto", 2),
            doc_string: optional("string", 3),
          },
        },
        NodeProto: {
          fields: {
            input: repeated("string", 1),
            output: repeated("string", 2),
            name: optional("string", 3),
            op_type: optional("string", 4),
            domain: optional("string", 7),
            attribute: repeated("AttributeProto", 5),
            doc_string: optional("string", 6),
          },
        },
        ModelProto: {
          fields: {
            ir_version: optional("int64", 1),
            opset_import: repeated("OperatorSetIdProto", 8),
            producer_name: optional("string", 2),
            producer_version: optional("string", 3),
            domain: optional("string", 4),
            model_version: optional("int64", 5),
            doc_string: optional("string", 6),
            graph: optional("GraphProto", 7),
            metadata_props: repeated("StringStringEntryProto", 14),
          },
        },
        StringStringEntryProto: {
          fields: {
            key: optional("string", 1),
            value: optional("string", 2),
          },
        },
        GraphProto: {
          fields: {
            node: repeated("NodeProto", 1),
            name: optional("string", 2),
            initializer: repeated("TensorProto", 5),
            doc_string: optional("string", 10),
            input: repeated("ValueInfoProto", 11),
            output: repeated("ValueInfoProto", 12),
            value_info: repeated("ValueInfoProto", 13),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated("int64", 1),
            data_type: optional("int32", 2),
            float_data: repeated("float", 4, true),
            int32_data: repeated("int32", 5, true),
            int64_data: repeated("int64", 7, true),
            name: optional("string", 8),
            doc_string: optional("string", 12),
            raw_data: optional("bytes", 9),
            double_data: repeated("double", 10, true),
          },
        },
        TensorShapeProto: {
          fields: {
            dim: repeated("Dimension", 1),
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ["dim_value", "dim_param"] } },
              fields: {
                dim_value: optional("int64", 1),
                dim_param: optional("string", 2),
                denotation: optional("string", 3),
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ["tensor_type"] } },
          fields: {
            tensor_type: optional("Tensor", 1),
            denotation: optional("string", 6),
          },
          nested: {
            Tensor: {
              fields: {
                elem_type: optional("int32", 1),
                shape: optional("TensorShapeProto", 2),
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: optional("string", 1),
            version: optional("int64", 2),
          },
        },
      },
    },
  },
};

/** TensorProto.DataType values used by the exporter. */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;

/** AttributeProto.AttributeType values used by the exporter. */
export const ATTR_FLOAT = 1;
export const ATTR_INT = 2;
export const ATTR_INTS = 7;

let modelType: protobuf.Type | undefined;

/** The reflected `onnx.ModelProto` type, built once on first use. */
export function onnxModelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_SUBSET as protobuf.INamespace).lookupType("onnx.ModelProto");
  return modelType;
}
