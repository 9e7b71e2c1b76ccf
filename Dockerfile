# syntax=docker/dockerfile:1
# The cmgsim command in a container: one image, one role per container (docker-compose.yml, docs/multi-process.md).
#   docker build -t cmgsim .
#   docker run --rm cmgsim run --help

# Build: the .NET 10 SDK publishes the CLI and the libraries it references (framework-dependent).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore first, from the project files only, so a source change does not invalidate the package layer.
COPY global.json NuGet.config Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig ./
COPY src/CmgSim.Cli/CmgSim.Cli.csproj src/CmgSim.Cli/
COPY src/CmgSim.Client/CmgSim.Client.csproj src/CmgSim.Client/
COPY src/CmgSim.CloudService/CmgSim.CloudService.csproj src/CmgSim.CloudService/
COPY src/CmgSim.ConnectionPoint/CmgSim.ConnectionPoint.csproj src/CmgSim.ConnectionPoint/
COPY src/CmgSim.Core/CmgSim.Core.csproj src/CmgSim.Core/
COPY src/CmgSim.Identity/CmgSim.Identity.csproj src/CmgSim.Identity/
COPY src/CmgSim.ManagementPoint/CmgSim.ManagementPoint.csproj src/CmgSim.ManagementPoint/
COPY src/CmgSim.Messaging/CmgSim.Messaging.csproj src/CmgSim.Messaging/
COPY src/CmgSim.SoftwareUpdatePoint/CmgSim.SoftwareUpdatePoint.csproj src/CmgSim.SoftwareUpdatePoint/
COPY src/CmgSim.Topology/CmgSim.Topology.csproj src/CmgSim.Topology/
COPY src/CmgSim.Tunnel/CmgSim.Tunnel.csproj src/CmgSim.Tunnel/
RUN dotnet restore src/CmgSim.Cli/CmgSim.Cli.csproj

COPY src/ src/
RUN dotnet publish src/CmgSim.Cli/CmgSim.Cli.csproj --configuration Release --no-restore --output /app /p:UseAppHost=false

# Run: the ASP.NET Core runtime only.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./

# The lab folder every role shares (PKI, site.db, logs, cluster/, topology.json). Owned by the image's
# non-root user, so a named volume mounted here starts out writable for it.
RUN mkdir /lab && chown "$APP_UID" /lab
VOLUME /lab
USER $APP_UID

# 8443 public (shared by the VM instances), 8444 Entra, 8445+ VM instance ports, 8531 MP, 8532 SUP,
# 8560+ connection point health, 10124+ channels: the port plan of docs/multi-process.md.
EXPOSE 8443
ENTRYPOINT ["dotnet", "cmgsim.dll"]
CMD ["--help"]
