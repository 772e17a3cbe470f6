#nullable enable
// The .NET API a Windows host offers, read from reference assemblies (metadata only, never loaded to run):
// .NET Framework 4.6.2 (refs/net462: what Windows Server 2016 ships) and Windows PowerShell 5.1's own API
// (refs/PowerShellStandard). WINDOWS_FACTS PS51-1, PS51-2.
//
// Type names are CLR names ("System.Collections.Generic.List`1", nested types "Outer+Inner"). A constructed type
// is written "Definition`N<Arg1,Arg2>", an array "Element[]", a type's generic parameter "!0", a method's "!!0".
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace MtlsPsStatic
{
    public sealed class RefMember
    {
        public string Kind = "";        // Method, Constructor, Property, Field, Event
        public bool Static;
        public int Parameters;          // for properties: indexer parameters
        public int Required;            // parameters without a default value (and before a params array)
        public bool ParamArray;
        public string Type = "?";       // return, property or field type

        public bool AcceptsArgumentCount(int count)
        {
            return (count >= Required && count <= Parameters) || (ParamArray && count >= Parameters - 1);
        }
    }

    public sealed class RefType
    {
        internal readonly List<KeyValuePair<MetadataReader, TypeDefinitionHandle>> Definitions;
        private Dictionary<string, List<RefMember>>? members;

        public string FullName { get; }
        public string? BaseType { get; }
        public IReadOnlyList<string> Interfaces { get; }
        public bool IsInterface { get; }
        public bool IsSealed { get; }
        public bool IsValueType => BaseType == "System.ValueType" || BaseType == "System.Enum";

        internal RefType(string fullName, List<KeyValuePair<MetadataReader, TypeDefinitionHandle>> definitions)
        {
            FullName = fullName;
            Definitions = definitions;
            var md = definitions[0].Key;
            var definition = md.GetTypeDefinition(definitions[0].Value);
            IsInterface = (definition.Attributes & TypeAttributes.ClassSemanticsMask) == TypeAttributes.Interface;
            IsSealed = (definition.Attributes & TypeAttributes.Sealed) != 0;
            BaseType = definition.BaseType.IsNil ? null : SignatureNames.Of(md, definition.BaseType);
            Interfaces = definition.GetInterfaceImplementations()
                .Select(h => SignatureNames.Of(md, md.GetInterfaceImplementation(h).Interface))
                .ToList();
        }

        /// <summary>Public members the type declares itself (inherited ones are on the base types), by name.</summary>
        public IReadOnlyDictionary<string, List<RefMember>> Members => members ??= ReadMembers();

        private Dictionary<string, List<RefMember>> ReadMembers()
        {
            var table = new Dictionary<string, List<RefMember>>(StringComparer.OrdinalIgnoreCase);
            void Add(string name, RefMember member)
            {
                if (!table.TryGetValue(name, out var list))
                {
                    table[name] = list = new List<RefMember>();
                }
                list.Add(member);
            }

            foreach (var pair in Definitions)
            {
                var md = pair.Key;
                var definition = md.GetTypeDefinition(pair.Value);
                var provider = new SignatureNames(md);
                foreach (var handle in definition.GetMethods())
                {
                    var method = md.GetMethodDefinition(handle);
                    if ((method.Attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public)
                    {
                        continue;
                    }
                    var name = md.GetString(method.Name);
                    if (name == ".cctor")
                    {
                        continue;
                    }
                    var signature = method.DecodeSignature(provider, null);
                    int count = signature.ParameterTypes.Length;
                    int required = count;
                    bool paramArray = false;
                    foreach (var parameterHandle in method.GetParameters())
                    {
                        var parameter = md.GetParameter(parameterHandle);
                        if (parameter.SequenceNumber == 0)
                        {
                            continue;
                        }
                        if ((parameter.Attributes & (ParameterAttributes.Optional | ParameterAttributes.HasDefault)) != 0)
                        {
                            required = Math.Min(required, parameter.SequenceNumber - 1);
                        }
                        if (parameter.SequenceNumber == count && IsParamArray(md, parameter))
                        {
                            paramArray = true;
                            required = Math.Min(required, count - 1);
                        }
                    }
                    Add(name, new RefMember
                    {
                        Kind = name == ".ctor" ? "Constructor" : "Method",
                        Static = !signature.Header.IsInstance,
                        Parameters = count,
                        Required = required,
                        ParamArray = paramArray,
                        Type = signature.ReturnType,
                    });
                }
                foreach (var handle in definition.GetProperties())
                {
                    var property = md.GetPropertyDefinition(handle);
                    var accessors = property.GetAccessors();
                    var accessor = accessors.Getter.IsNil ? accessors.Setter : accessors.Getter;
                    if (accessor.IsNil
                        || (md.GetMethodDefinition(accessor).Attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public)
                    {
                        continue;
                    }
                    var signature = property.DecodeSignature(provider, null);
                    Add(md.GetString(property.Name), new RefMember
                    {
                        Kind = "Property",
                        Static = !signature.Header.IsInstance,
                        Parameters = signature.ParameterTypes.Length,
                        Required = signature.ParameterTypes.Length,
                        Type = signature.ReturnType,
                    });
                }
                foreach (var handle in definition.GetFields())
                {
                    var field = md.GetFieldDefinition(handle);
                    if ((field.Attributes & FieldAttributes.FieldAccessMask) != FieldAttributes.Public)
                    {
                        continue;
                    }
                    Add(md.GetString(field.Name), new RefMember
                    {
                        Kind = "Field",
                        Static = (field.Attributes & FieldAttributes.Static) != 0,
                        Type = field.DecodeSignature(provider, null),
                    });
                }
                foreach (var handle in definition.GetEvents())
                {
                    var definitionOfEvent = md.GetEventDefinition(handle);
                    var adder = definitionOfEvent.GetAccessors().Adder;
                    if (adder.IsNil)
                    {
                        continue;
                    }
                    var adderMethod = md.GetMethodDefinition(adder);
                    if ((adderMethod.Attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public)
                    {
                        continue;
                    }
                    Add(md.GetString(definitionOfEvent.Name), new RefMember
                    {
                        Kind = "Event",
                        Static = (adderMethod.Attributes & MethodAttributes.Static) != 0,
                    });
                }
            }
            return table;
        }

        private static bool IsParamArray(MetadataReader md, Parameter parameter)
        {
            foreach (var attributeHandle in parameter.GetCustomAttributes())
            {
                var constructor = md.GetCustomAttribute(attributeHandle).Constructor;
                EntityHandle owner;
                if (constructor.Kind == HandleKind.MemberReference)
                {
                    owner = md.GetMemberReference((MemberReferenceHandle)constructor).Parent;
                }
                else if (constructor.Kind == HandleKind.MethodDefinition)
                {
                    owner = md.GetMethodDefinition((MethodDefinitionHandle)constructor).GetDeclaringType();
                }
                else
                {
                    continue;
                }
                if (SignatureNames.Of(md, owner) == "System.ParamArrayAttribute")
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Type names of signature blobs, in this file's notation.</summary>
    internal sealed class SignatureNames : ISignatureTypeProvider<string, object?>
    {
        private readonly MetadataReader md;

        public SignatureNames(MetadataReader md)
        {
            this.md = md;
        }

        public static string Of(MetadataReader md, EntityHandle handle)
        {
            var names = new SignatureNames(md);
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    return names.GetTypeFromDefinition(md, (TypeDefinitionHandle)handle, 0);
                case HandleKind.TypeReference:
                    return names.GetTypeFromReference(md, (TypeReferenceHandle)handle, 0);
                case HandleKind.TypeSpecification:
                    return names.GetTypeFromSpecification(md, null, (TypeSpecificationHandle)handle, 0);
                default:
                    return "?";
            }
        }

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var definition = reader.GetTypeDefinition(handle);
            var name = reader.GetString(definition.Name);
            var declaring = definition.GetDeclaringType();
            if (!declaring.IsNil)
            {
                return GetTypeFromDefinition(reader, declaring, 0) + "+" + name;
            }
            var ns = reader.GetString(definition.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var reference = reader.GetTypeReference(handle);
            var name = reader.GetString(reference.Name);
            if (!reference.ResolutionScope.IsNil && reference.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                return GetTypeFromReference(reader, (TypeReferenceHandle)reference.ResolutionScope, 0) + "+" + name;
            }
            var ns = reader.GetString(reference.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind)
        {
            return reader.GetTypeSpecification(handle).DecodeSignature(this, context);
        }

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode;
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments)
        {
            return genericType + "<" + string.Join(",", typeArguments) + ">";
        }
    }

    /// <summary>The parts of a type name in this file's notation.</summary>
    public sealed class TypeNameParts
    {
        public string Kind = "Plain";   // Plain, Array, Generic, Parameter, Indirect
        public string Definition = "";  // Plain and Generic: the definition's name
        public string Element = "";     // Array and Indirect
        public List<string> Arguments = new List<string>();

        public static TypeNameParts Of(string name)
        {
            if (name.EndsWith("]", StringComparison.Ordinal))
            {
                return new TypeNameParts { Kind = "Array", Element = name.Substring(0, name.LastIndexOf('[')) };
            }
            if (name.EndsWith("&", StringComparison.Ordinal) || name.EndsWith("*", StringComparison.Ordinal))
            {
                return new TypeNameParts { Kind = "Indirect", Element = name.Substring(0, name.Length - 1) };
            }
            if (name.StartsWith("!", StringComparison.Ordinal) || name == "?" || name == "fnptr")
            {
                return new TypeNameParts { Kind = "Parameter" };
            }
            if (name.EndsWith(">", StringComparison.Ordinal))
            {
                int open = name.IndexOf('<');
                var parts = new TypeNameParts { Kind = "Generic", Definition = name.Substring(0, open) };
                string inner = name.Substring(open + 1, name.Length - open - 2);
                int depth = 0, start = 0;
                for (int i = 0; i < inner.Length; i++)
                {
                    char c = inner[i];
                    if (c == '<') depth++;
                    else if (c == '>') depth--;
                    else if (c == ',' && depth == 0)
                    {
                        parts.Arguments.Add(inner.Substring(start, i - start));
                        start = i + 1;
                    }
                }
                parts.Arguments.Add(inner.Substring(start));
                return parts;
            }
            return new TypeNameParts { Definition = name };
        }

        /// <summary>Replaces the type parameters !0, !1 ... of a member's type by a constructed type's arguments.</summary>
        public static string Substitute(string name, IReadOnlyList<string> arguments)
        {
            if (arguments.Count == 0)
            {
                return name;
            }
            return Regex.Replace(name, @"(?<![!\w])!(\d+)", m =>
            {
                int index = int.Parse(m.Groups[1].Value);
                return index < arguments.Count ? arguments[index] : m.Value;
            });
        }
    }

    /// <summary>Every type of the reference assemblies, by CLR name.</summary>
    public sealed class RefIndex
    {
        private readonly Dictionary<string, List<KeyValuePair<MetadataReader, TypeDefinitionHandle>>> definitions =
            new Dictionary<string, List<KeyValuePair<MetadataReader, TypeDefinitionHandle>>>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, RefType?> types = new Dictionary<string, RefType?>(StringComparer.OrdinalIgnoreCase);

        public int TypeCount => definitions.Count;
        public int AssemblyCount { get; }

        public RefIndex(IEnumerable<string> folders)
        {
            int assemblies = 0;
            foreach (var folder in folders)
            {
                if (!Directory.Exists(folder))
                {
                    throw new DirectoryNotFoundException("reference assemblies missing: " + folder);
                }
                foreach (var file in Directory.GetFiles(folder, "*.dll", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
                {
                    // Facades only forward types to the assemblies that define them.
                    if (Path.GetFileName(Path.GetDirectoryName(file)) == "Facades")
                    {
                        continue;
                    }
                    var pe = new PEReader(File.OpenRead(file));
                    if (!pe.HasMetadata)
                    {
                        pe.Dispose();
                        continue;
                    }
                    var md = pe.GetMetadataReader();
                    assemblies++;
                    var names = new SignatureNames(md);
                    foreach (var handle in md.TypeDefinitions)
                    {
                        // PowerShell resolves public types only (an internal interface's members are public too).
                        if (!IsPublic(md, handle))
                        {
                            continue;
                        }
                        var name = names.GetTypeFromDefinition(md, handle, 0);
                        if (!definitions.TryGetValue(name, out var list))
                        {
                            definitions[name] = list = new List<KeyValuePair<MetadataReader, TypeDefinitionHandle>>();
                        }
                        list.Add(new KeyValuePair<MetadataReader, TypeDefinitionHandle>(md, handle));
                    }
                }
            }
            AssemblyCount = assemblies;
        }

        private readonly Dictionary<string, List<RefMember>> instanceMethodsByName = new Dictionary<string, List<RefMember>>(StringComparer.OrdinalIgnoreCase);

        /// <summary>Every public instance method of this name on any type of the reference assemblies.</summary>
        public List<RefMember> InstanceMethodsNamed(string name)
        {
            if (instanceMethodsByName.TryGetValue(name, out var known))
            {
                return known;
            }
            var found = new List<RefMember>();
            var readers = new HashSet<MetadataReader>();
            foreach (var list in definitions.Values)
            {
                foreach (var pair in list)
                {
                    var md = pair.Key;
                    var definition = md.GetTypeDefinition(pair.Value);
                    bool declares = false;
                    foreach (var handle in definition.GetMethods())
                    {
                        if (md.StringComparer.Equals(md.GetMethodDefinition(handle).Name, name, ignoreCase: true))
                        {
                            declares = true;
                            break;
                        }
                    }
                    if (declares)
                    {
                        var type = Find(new SignatureNames(md).GetTypeFromDefinition(md, pair.Value, 0));
                        if (type != null && type.Members.TryGetValue(name, out var members))
                        {
                            found.AddRange(members.Where(m => m.Kind == "Method" && !m.Static));
                        }
                    }
                }
            }
            instanceMethodsByName[name] = found;
            return found;
        }

        private static bool IsPublic(MetadataReader md, TypeDefinitionHandle handle)
        {
            var definition = md.GetTypeDefinition(handle);
            switch (definition.Attributes & TypeAttributes.VisibilityMask)
            {
                case TypeAttributes.Public:
                    return true;
                case TypeAttributes.NestedPublic:
                    return IsPublic(md, definition.GetDeclaringType());
                default:
                    return false;
            }
        }

        /// <summary>The type of a CLR definition name, or null when no reference assembly defines it.</summary>
        public RefType? Find(string name)
        {
            if (types.TryGetValue(name, out var known))
            {
                return known;
            }
            RefType? type = null;
            if (definitions.TryGetValue(name, out var list))
            {
                var md = list[0].Key;
                type = new RefType(new SignatureNames(md).GetTypeFromDefinition(md, list[0].Value, 0), list);
            }
            types[name] = type;
            return type;
        }
    }
}
