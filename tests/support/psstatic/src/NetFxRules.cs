#nullable enable
// Every .NET type and member a script names must exist in .NET Framework 4.6.2 / Windows PowerShell 5.1
// (WINDOWS_FACTS PS51-1, PS51-2): [T] casts, type constraints and attributes, New-Object, [T]::Member, [T]::new(),
// and instance members where the receiver's type is known (Types.cs), with the number of arguments of each call.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Language;

namespace MtlsPsStatic
{
    internal static class NetFxRules
    {
        public static void Check(FileUnit unit, RuleData data, TypeInference inference)
        {
            var resolver = inference.Resolver;
            TypeNames(unit, resolver);
            foreach (var member in unit.All<MemberExpressionAst>())
            {
                Member(unit, data, inference, member);
            }
            foreach (var command in unit.All<CommandAst>())
            {
                NewObject(unit, inference, command);
            }
            foreach (var attribute in unit.All<AttributeAst>())
            {
                AttributeArguments(unit, inference, attribute);
            }
            foreach (var invoke in unit.All<InvokeMemberExpressionAst>())
            {
                StringSplit(unit, inference, invoke);
            }
        }

        private static void ReportMissingType(FileUnit unit, IScriptExtent extent, ResolvedType resolved, string written)
        {
            unit.Report("netfx.type", extent, written,
                "type [" + resolved.Detail + "] is not in .NET Framework 4.6.2 or Windows PowerShell 5.1 and is not a type accelerator of 5.1"
                + " (an assembly outside the framework needs an entry in data/NetFx.psd1 AllowedTypes)");
        }

        private static void TypeNames(FileUnit unit, TypeResolver resolver)
        {
            foreach (var node in unit.Nodes)
            {
                ITypeName? name = null;
                switch (node)
                {
                    case TypeExpressionAst type:
                        name = type.TypeName;
                        break;
                    case TypeConstraintAst constraint:
                        name = constraint.TypeName;
                        break;
                    case AttributeAst attribute:
                        var asAttribute = resolver.ResolveName(attribute.TypeName.Name + "Attribute");
                        var plain = resolver.ResolveName(attribute.TypeName.Name);
                        unit.Count("types_checked");
                        if (asAttribute.Kind == ResolvedKind.Missing && plain.Kind == ResolvedKind.Missing)
                        {
                            ReportMissingType(unit, attribute.Extent, plain, attribute.TypeName.FullName);
                        }
                        continue;
                    case CommandAst command:
                        name = TypeResolver.NewObjectTypeName(command);
                        break;
                }
                if (name == null)
                {
                    continue;
                }
                unit.Count("types_checked");
                var resolved = resolver.Resolve(name);
                if (resolved.Kind == ResolvedKind.Missing)
                {
                    ReportMissingType(unit, node.Extent, resolved, name.FullName);
                }
            }
        }

        private static string Describe(RefMember member) =>
            member.ParamArray ? member.Required + "+" : member.Required == member.Parameters ? member.Parameters.ToString() : member.Required + "-" + member.Parameters;

        private static void Member(FileUnit unit, RuleData data, TypeInference inference, MemberExpressionAst member)
        {
            if (!(member.Member is StringConstantExpressionAst nameAst))
            {
                return;
            }
            var name = nameAst.Value;
            var typed = inference.Receiver(member, out bool isStatic);
            if (typed == null)
            {
                if (!isStatic)
                {
                    unit.Count("members_unknown_receiver");
                }
                return;
            }
            var receiver = typed.Type;
            var invoke = member as InvokeMemberExpressionAst;
            int count = invoke?.Arguments?.Count ?? 0;
            var shown = isStatic ? "[" + receiver + "]::" + name : receiver + "." + name;
            var subject = AstUtil.Where(member) + shown + (invoke != null ? "()" : "");

            if (isStatic && invoke != null && name.Equals("new", StringComparison.OrdinalIgnoreCase))
            {
                Constructor(unit, inference, receiver, count, member.Extent, subject);
                return;
            }
            var lookup = inference.Lookup(receiver, name, isStatic);
            if (!lookup.Known)
            {
                return;
            }
            if (lookup.Found.Count == 0 && !typed.Certain)
            {
                // A member's declared type: the object may be of a derived type that has the member.
                unit.Count("members_uncertain_receiver");
                return;
            }
            unit.Count("members_checked");
            if (lookup.Found.Count == 0)
            {
                if (!isStatic && (data.IntrinsicMembers.Contains(name)
                    || (data.ExtendedMembers.TryGetValue(receiver, out var extended) && extended.Contains(name))
                    || lookup.Enumerable
                    || ((lookup.Dictionary || lookup.XmlNode) && invoke == null)))
                {
                    return;
                }
                var owner = TypeNameParts.Of(receiver).Kind == "Array" ? "System.Array" : receiver;
                unit.Report("netfx.member", member.Member.Extent, subject,
                    shown + " is not " + (isStatic ? "a static" : "an instance") + " member of " + owner + " in .NET Framework 4.6.2 / Windows PowerShell 5.1");
                return;
            }
            if (invoke == null)
            {
                return;
            }
            var callable = lookup.Found.Where(f => f.Member.Kind == "Method" || (f.Member.Kind == "Property" && f.Member.Parameters > 0)).ToList();
            if (callable.Count == 0)
            {
                unit.Report("netfx.member", member.Member.Extent, subject, shown + " is a " + lookup.Found[0].Member.Kind.ToLowerInvariant() + ", not a method");
                return;
            }
            if (typed.Certain && !callable.Any(f => f.Member.AcceptsArgumentCount(count)))
            {
                unit.Report("netfx.overload", member.Extent, subject,
                    shown + "() takes " + string.Join(" or ", callable.Select(f => Describe(f.Member)).Distinct()) + " argument(s) in .NET Framework 4.6.2, not " + count);
            }
        }

        private static void Constructor(FileUnit unit, TypeInference inference, string type, int count, IScriptExtent extent, string subject)
        {
            var constructors = inference.Constructors(type, out bool valueType);
            if (constructors == null)
            {
                return;
            }
            unit.Count("members_checked");
            if ((valueType && count == 0) || constructors.Any(c => c.AcceptsArgumentCount(count)))
            {
                return;
            }
            var takes = constructors.Count == 0 ? "no public constructor" : "constructors taking " + string.Join(" or ", constructors.Select(Describe).Distinct()) + " argument(s)";
            unit.Report("netfx.overload", extent, subject, type + " has " + takes + " in .NET Framework 4.6.2, not " + count);
        }

        /// <summary>The number of constructor arguments of New-Object, when the script writes them out.</summary>
        private static int? ArgumentCount(CommandAst command)
        {
            CommandElementAst? argument = null;
            if (!AstUtil.TryParameter(command, "ArgumentList", 1, new[] { "Args" }, out argument))
            {
                var positional = TypeResolver.PositionalArguments(command);
                if (AstUtil.TryParameter(command, "TypeName", 1, Array.Empty<string>(), out _))
                {
                    argument = positional.Count > 0 ? positional[0] : null;
                }
                else
                {
                    argument = positional.Count > 1 ? positional[1] : null;
                }
                if (argument == null)
                {
                    return 0;
                }
            }
            switch (argument)
            {
                case ArrayLiteralAst array:
                    return array.Elements.Count;
                case ArrayExpressionAst arrayExpression:
                    var statements = arrayExpression.SubExpression.Statements;
                    if (statements.Count == 1 && AstUtil.SingleExpression(statements[0]) is ArrayLiteralAst inner)
                    {
                        return inner.Elements.Count;
                    }
                    return statements.All(s => AstUtil.SingleExpression(s) != null) ? statements.Count : (int?)null;
                case StringConstantExpressionAst _:
                case ExpandableStringExpressionAst _:
                case ConstantExpressionAst _:
                    return 1;
                default:
                    return null;
            }
        }

        private static void NewObject(FileUnit unit, TypeInference inference, CommandAst command)
        {
            var typeName = TypeResolver.NewObjectTypeName(command);
            if (typeName == null)
            {
                return;
            }
            var resolved = inference.Resolver.Resolve(typeName);
            var count = ArgumentCount(command);
            if (resolved.Kind != ResolvedKind.Framework || count == null)
            {
                return;
            }
            Constructor(unit, inference, resolved.Clr, count.Value, command.Extent, AstUtil.Where(command) + "New-Object " + resolved.Clr);
        }

        private static void AttributeArguments(FileUnit unit, TypeInference inference, AttributeAst attribute)
        {
            var resolver = inference.Resolver;
            var resolved = resolver.ResolveName(attribute.TypeName.Name + "Attribute");
            if (resolved.Kind != ResolvedKind.Framework)
            {
                resolved = resolver.ResolveName(attribute.TypeName.Name);
            }
            if (resolved.Kind != ResolvedKind.Framework)
            {
                return;
            }
            foreach (var named in attribute.NamedArguments)
            {
                unit.Count("members_checked");
                var found = inference.Lookup(resolved.Clr, named.ArgumentName, false).Found
                    .Where(f => f.Member.Kind == "Property" || f.Member.Kind == "Field");
                if (!found.Any())
                {
                    unit.Report("netfx.member", named.Extent, AstUtil.Where(attribute) + "[" + attribute.TypeName.Name + "(" + named.ArgumentName + ")]",
                        named.ArgumentName + " is not a property of " + resolved.Clr + " in Windows PowerShell 5.1");
                }
            }
        }

        /// <summary>
        /// "a, b".Split(", ") binds String.Split(string, StringSplitOptions = None) on .NET Core (2 items) and
        /// String.Split(params char[]) on .NET Framework (3 items): WINDOWS_FACTS PS51-8.
        /// </summary>
        private static void StringSplit(FileUnit unit, TypeInference inference, InvokeMemberExpressionAst invoke)
        {
            if (invoke.Static || !(invoke.Member is StringConstantExpressionAst name) || !name.Value.Equals("Split", StringComparison.OrdinalIgnoreCase)
                || invoke.Arguments == null || invoke.Arguments.Count == 0 || inference.TypeOf(invoke.Expression) != "System.String")
            {
                return;
            }
            var separator = invoke.Arguments[0];
            var text = AstUtil.ConstantText(separator);
            bool multiCharacter = text != null ? text.Length != 1 : inference.TypeOf(separator) == "System.String";
            if (multiCharacter)
            {
                unit.Report("netfx.string-split", invoke.Extent, AstUtil.Where(invoke) + AstUtil.Short(invoke.Extent.Text),
                    "String.Split with a string separator splits on the whole string on PowerShell 7 (.NET Core) but on each of its characters on Windows PowerShell 5.1 (.NET Framework has no Split(string)); use the -split operator (a regex) or [string[]] separators with StringSplitOptions");
            }
        }
    }
}
