using System.Buffers.Binary;
using System.Text;

namespace Switchboard.IntegrationTests.Telemetry;

/// <summary>One span as an OTLP collector receives it (the fields the tests assert).</summary>
internal sealed record OtlpSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, object> Attributes, int StatusCode)
{
    public object? this[string key] => Attributes.TryGetValue(key, out var v) ? v : null;
}

/// <summary>
/// Decodes an OTLP <c>ExportTraceServiceRequest</c> (protobuf) by hand, field numbers from opentelemetry-proto's
/// trace.proto and common.proto: request.resource_spans(1) → scope_spans(2) → spans(2); span: trace_id(1), span_id(2),
/// parent_span_id(4), name(5), kind(6), attributes(9), status(15); KeyValue: key(1), value(2); AnyValue: string(1),
/// bool(2), int(3), double(4); Status: code(3). Unknown fields are skipped by wire type.
/// </summary>
internal static class OtlpTraceDecoder
{
    public static List<OtlpSpan> Decode(ReadOnlySpan<byte> request)
    {
        var spans = new List<OtlpSpan>();
        foreach (var (field, resourceSpans) in Fields(request))
        {
            if (field != 1 || resourceSpans is not byte[] rs)
            {
                continue;
            }

            foreach (var (f2, scopeSpans) in Fields(rs))
            {
                if (f2 != 2 || scopeSpans is not byte[] ss)
                {
                    continue;
                }

                foreach (var (f3, span) in Fields(ss))
                {
                    if (f3 == 2 && span is byte[] s)
                    {
                        spans.Add(DecodeSpan(s));
                    }
                }
            }
        }

        return spans;
    }

    private static OtlpSpan DecodeSpan(byte[] span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        var status = 0;
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (field, value) in Fields(span))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower((byte[])value); break;
                case 2: spanId = Convert.ToHexStringLower((byte[])value); break;
                case 4: parent = Convert.ToHexStringLower((byte[])value); break;
                case 5: name = Encoding.UTF8.GetString((byte[])value); break;
                case 6: kind = (int)(ulong)value; break;
                case 9:
                    var (key, attribute) = DecodeKeyValue((byte[])value);
                    attributes[key] = attribute;
                    break;
                case 15:
                    foreach (var (sf, sv) in Fields((byte[])value))
                    {
                        if (sf == 3)
                        {
                            status = (int)(ulong)sv;
                        }
                    }

                    break;
            }
        }

        return new OtlpSpan(traceId, spanId, parent, name, kind, attributes, status);
    }

    private static (string Key, object Value) DecodeKeyValue(byte[] keyValue)
    {
        var key = "";
        object value = "";
        foreach (var (field, v) in Fields(keyValue))
        {
            if (field == 1)
            {
                key = Encoding.UTF8.GetString((byte[])v);
            }
            else if (field == 2)
            {
                foreach (var (af, av) in Fields((byte[])v))
                {
                    value = af switch
                    {
                        1 => Encoding.UTF8.GetString((byte[])av),
                        2 => (ulong)av != 0,
                        3 => (long)(ulong)av,
                        4 => BitConverter.Int64BitsToDouble((long)(ulong)av),
                        _ => value,
                    };
                }
            }
        }

        return (key, value);
    }

    /// <summary>Each field of a message: varint and fixed values as <see cref="ulong"/>, length-delimited ones as bytes.</summary>
    private static List<(int Field, object Value)> Fields(ReadOnlySpan<byte> message)
    {
        var fields = new List<(int, object)>();
        var i = 0;
        while (i < message.Length)
        {
            var tag = Varint(message, ref i);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    fields.Add((field, Varint(message, ref i)));
                    break;
                case 1:
                    fields.Add((field, BinaryPrimitives.ReadUInt64LittleEndian(message.Slice(i, 8))));
                    i += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref i);
                    fields.Add((field, message.Slice(i, length).ToArray()));
                    i += length;
                    break;
                case 5:
                    fields.Add((field, (ulong)BinaryPrimitives.ReadUInt32LittleEndian(message.Slice(i, 4))));
                    i += 4;
                    break;
                default:
                    throw new FormatException($"unsupported wire type {tag & 7} at byte {i}");
            }
        }

        return fields;
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int i)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[i++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("varint too long");
    }
}
