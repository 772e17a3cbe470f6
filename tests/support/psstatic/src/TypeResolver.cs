#nullable enable
// How Windows PowerShell 5.1 resolves a type name written in a script ([T], New-Object T): WINDOWS_FACTS PS51-2.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Language;

namespace MtlsPsStatic
{
    internal enum ResolvedKind { Framework, Allowed, Local, Missing }

    internal sealed class ResolvedType
    {
        public ResolvedKind Kind;
        public string Clr = "";
        /// <summary>Missing: the name that did not resolve. Allowed: why it is allowed.</summary>
        public string Detail = "";
    }

    internal sealed class TypeResolver
    {
        private readonly RefIndex refs;
        private readonly RuleData data;
        private readonly HashSet<string> localTypes;
        private readonly List<string> namespaces;
        private readonly Dictionary<string, ResolvedType> cache = new Dictionary<string, ResolvedType>(StringComparer.OrdinalIgnoreCase);

        public TypeResolver(RefIndex refs, RuleData data, FileUnit unit)
        {
            this.refs = refs;
            this.data = data;
            localTypes = new HashSet<string>(unit.All<TypeDefinitionAst>().Select(t => t.Name), StringComparer.OrdinalIgnoreCase);
            namespaces = unit.Ast.UsingStatements
                .Where(u => u.UsingStatementKind == UsingStatementKind.Namespace && u.Name != null)
                .Select(u => u.Name.Value)
                .ToList();
        }

        public RefIndex Refs => refs;

        public ResolvedType Resolve(ITypeName name)
        {
            switch (name)
            {
                case ArrayTypeName array:
                    var element = Resolve(array.ElementType);
                    return new ResolvedType { Kind = element.Kind, Clr = element.Clr + "[" + new string(',', array.Rank - 1) + "]", Detail = element.Detail };
                case GenericTypeName generic:
                    var definition = ResolveName(generic.TypeName.Name + "`" + generic.GenericArguments.Count);
                    if (definition.Kind == ResolvedKind.Missing)
                    {
                        return definition;
                    }
                    var arguments = generic.GenericArguments.Select(Resolve).ToList();
                    var missing = arguments.FirstOrDefault(a => a.Kind == ResolvedKind.Missing);
                    if (missing != null)
                    {
                        return missing;
                    }
                    return new ResolvedType
                    {
                        Kind = definition.Kind,
                        Clr = definition.Clr + "<" + string.Join(",", arguments.Select(a => a.Clr)) + ">",
                        Detail = definition.Detail,
                    };
                default:
                    return ResolveName(name.Name);
            }
        }

        /// <summary>
        /// A type name as PowerShell 5.1 looks it up: a type defined in the script, a 5.1 type accelerator, the name
        /// itself, "System." + the name, each "using namespace" + the name (WINDOWS_FACTS PS51-2).
        /// </summary>
        public ResolvedType ResolveName(string name)
        {
            if (cache.TryGetValue(name, out var known))
            {
                return known;
            }
            var resolved = Lookup(name);
            cache[name] = resolved;
            return resolved;
        }

        private ResolvedType Lookup(string name)
        {
            if (name.Equals("ordered", StringComparison.OrdinalIgnoreCase))
            {
                return new ResolvedType { Kind = ResolvedKind.Framework, Clr = "System.Collections.Specialized.OrderedDictionary" };
            }
            if (localTypes.Contains(name))
            {
                return new ResolvedType { Kind = ResolvedKind.Local, Clr = name };
            }
            var candidates = new List<string>();
            if (data.Ps51Accelerators.TryGetValue(name, out var accelerated))
            {
                candidates.Add(accelerated);
            }
            else
            {
                candidates.Add(name);
                candidates.Add("System." + name);
                candidates.AddRange(namespaces.Select(n => n + "." + name));
            }
            foreach (var candidate in candidates)
            {
                var type = refs.Find(candidate);
                if (type != null)
                {
                    return new ResolvedType { Kind = ResolvedKind.Framework, Clr = type.FullName };
                }
            }
            foreach (var candidate in candidates)
            {
                var reason = AllowedReason(candidate);
                if (reason != null)
                {
                    return new ResolvedType { Kind = ResolvedKind.Allowed, Clr = candidate, Detail = reason };
                }
            }
            return new ResolvedType { Kind = ResolvedKind.Missing, Clr = name, Detail = name };
        }

        public string? AllowedReason(string clr)
        {
            foreach (var pair in data.AllowedTypePrefixes)
            {
                if (clr.StartsWith(pair.Key, StringComparison.OrdinalIgnoreCase))
                {
                    return pair.Value;
                }
            }
            return null;
        }

        /// <summary>The type name a New-Object command creates (-TypeName or the first positional argument), or null.</summary>
        public static ITypeName? NewObjectTypeName(CommandAst command)
        {
            var name = command.GetCommandName();
            if (name == null || !name.Equals("New-Object", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            string? text = null;
            if (AstUtil.TryParameter(command, "TypeName", 1, Array.Empty<string>(), out var argument))
            {
                text = AstUtil.ConstantText(argument);
            }
            else
            {
                var positional = PositionalArguments(command);
                text = positional.Count > 0 ? AstUtil.ConstantText(positional[0]) : null;
            }
            if (text == null)
            {
                return null;
            }
            var ast = Parser.ParseInput("[" + text + "]", out _, out var errors);
            if (errors.Length > 0 || !(AstUtil.SingleExpression(ast.EndBlock?.Statements.FirstOrDefault()) is TypeExpressionAst type))
            {
                return null;
            }
            return type.TypeName;
        }

        /// <summary>Elements of a command that bind by position (after the name, neither a parameter nor its argument).</summary>
        public static List<CommandElementAst> PositionalArguments(CommandAst command)
        {
            var positional = new List<CommandElementAst>();
            var elements = command.CommandElements;
            for (int i = 1; i < elements.Count; i++)
            {
                if (elements[i] is CommandParameterAst parameter)
                {
                    if (parameter.Argument == null && i + 1 < elements.Count && !(elements[i + 1] is CommandParameterAst))
                    {
                        i++;
                    }
                    continue;
                }
                positional.Add(elements[i]);
            }
            return positional;
        }
    }
}
